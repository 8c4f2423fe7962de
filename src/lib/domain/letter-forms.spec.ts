import { describe, expect, it } from 'vitest';
import { defaultTemplate, fieldLead, referenceMutation } from './letter-forms';

const died = { id: 'm1', kind: 'died', occurred_on: '2026-11-02' };
const movedIn = { id: 'm2', kind: 'moved_in', occurred_on: '2025-03-01' };

describe('referenceMutation', () => {
	it('finds the recorded death for a death letter and agrees on the date', () => {
		expect(referenceMutation('SK-MATI', { tanggal_meninggal: '2026-11-02' }, [died, movedIn])).toEqual({ kind: 'died', recorded: died, dateMismatch: null });
	});

	it('flags a request whose date differs from the registry', () => {
		expect(referenceMutation('SK-MATI', { tanggal_meninggal: '2026-11-03' }, [died])?.dateMismatch).toEqual({ requested: '2026-11-03', recorded: '2026-11-02' });
		expect(referenceMutation('SK-DATANG', { tanggal_datang: '2025-04-01' }, [died, movedIn])?.dateMismatch).toEqual({ requested: '2025-04-01', recorded: '2025-03-01' });
	});

	it('says when the registry has no such event yet, and takes the newest when there are several', () => {
		expect(referenceMutation('SK-MATI', { tanggal_meninggal: '2026-11-02' }, [movedIn])).toEqual({ kind: 'died', recorded: null, dateMismatch: null });
		const later = { id: 'm3', kind: 'moved_out', occurred_on: '2026-10-01' };
		const earlier = { id: 'm4', kind: 'moved_out', occurred_on: '2024-01-01' };
		expect(referenceMutation('SP-PINDAH', {}, [later, earlier])?.recorded).toBe(later);
	});

	it('has nothing to say for letters that attest no registry event', () => {
		expect(referenceMutation('SK-DOM', { keperluan: 'bank' }, [died])).toBeNull();
	});
});

describe('fieldLead', () => {
	it('gives the words the purpose follows in the letter', () => {
		for (const kind of ['SK-DOM', 'SK-TM', 'SK-MATI', 'SK-DATANG', 'SK-USAHA']) expect(fieldLead(defaultTemplate(kind), 'keperluan')).toBe('untuk keperluan:');
		expect(fieldLead(defaultTemplate('SP-NIKAH'), 'keperluan')).toBe('dengan keperluan:');
		expect(fieldLead(defaultTemplate('SK-MATI'), 'sebab_meninggal')).toBe('Sebab meninggal:');
	});

	it('says nothing for a field inside running text or not in the letter', () => {
		expect(fieldLead(defaultTemplate('SK-MATI'), 'tempat_meninggal')).toBeNull();
		expect(fieldLead(defaultTemplate('SP-PINDAH'), 'keperluan')).toBeNull();
		expect(fieldLead('Untuk {{keperluan}}', 'keperluan')).toBeNull();
	});
});
