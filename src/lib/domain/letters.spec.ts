import { describe, expect, it } from 'vitest';
import { fillTemplate, median, nextStatus, requesterActions, skmGrade, skmIndex, slaState, templatePlaceholders } from './letters';

describe('nextStatus', () => {
	it('follows request → RT → RW', () => {
		expect(nextStatus('draft', 'submit')).toBe('submitted');
		expect(nextStatus('submitted', 'rt_approve')).toBe('rt_approved');
		expect(nextStatus('rt_approved', 'rw_issue')).toBe('issued');
	});

	it('lets a returned request be fixed and resubmitted, from either step', () => {
		expect(nextStatus('submitted', 'rt_return')).toBe('returned');
		expect(nextStatus('rt_approved', 'rw_return')).toBe('returned');
		expect(nextStatus('returned', 'submit')).toBe('submitted');
	});

	it('refuses steps out of order or twice', () => {
		expect(nextStatus('submitted', 'rw_issue')).toBeNull();
		expect(nextStatus('rt_approved', 'rt_approve')).toBeNull();
		expect(nextStatus('issued', 'rw_issue')).toBeNull();
		expect(nextStatus('draft', 'rt_approve')).toBeNull();
		expect(nextStatus('rejected', 'submit')).toBeNull();
		expect(nextStatus('issued', 'withdraw')).toBeNull();
	});
});

describe('slaState', () => {
	const submitted = new Date('2026-11-20T02:00:00Z');
	it('counts whole days and flags the request past its standard', () => {
		expect(slaState(submitted, 2, new Date('2026-11-21T01:59:00Z'))).toMatchObject({ elapsedDays: 0, overdue: false });
		expect(slaState(submitted, 2, new Date('2026-11-22T02:00:00Z'))).toMatchObject({ elapsedDays: 2, overdue: false });
		expect(slaState(submitted, 2, new Date('2026-11-22T02:00:01Z'))).toMatchObject({ elapsedDays: 2, overdue: true });
		expect(slaState(submitted, 2, submitted).dueAt.toISOString()).toBe('2026-11-22T02:00:00.000Z');
	});
});

describe('SKM', () => {
	it('is the mean of all element scores times 25', () => {
		expect(skmIndex([[4, 4, 4, 4, 4, 4, 4, 4, 4]])).toBe(100);
		expect(skmIndex([[1, 1, 1, 1, 1, 1, 1, 1, 1], [3, 3, 3, 3, 3, 3, 3, 3, 3]])).toBe(50);
		expect(skmIndex([])).toBeNull();
	});
	it('grades by the Permenpan RB 14/2017 bands', () => {
		expect(skmGrade(88.31)).toBe('A');
		expect(skmGrade(88.3)).toBe('B');
		expect(skmGrade(76.61)).toBe('B');
		expect(skmGrade(65)).toBe('C');
		expect(skmGrade(64.99)).toBe('D');
	});
});

describe('templates', () => {
	it('fills known placeholders and blanks unknown ones', () => {
		expect(fillTemplate('Nama {{nama}}, {{ keperluan }}.{{x}}', { nama: 'Siti', keperluan: 'kerja' })).toBe('Nama Siti, kerja.');
	});
	it('inserts values verbatim in one pass: a value cannot pull in another placeholder', () => {
		expect(fillTemplate('{{a}} {{b}}', { a: '{{b}} <b>x</b>', b: 'B' })).toBe('{{b}} <b>x</b> B');
	});
	it('lists placeholders once each', () => {
		expect(templatePlaceholders('{{nama}} {{rt}} {{nama}} {{Bad}}')).toEqual(['nama', 'rt']);
	});
});

describe('median', () => {
	it('takes the middle value, or the mean of the two middle ones', () => {
		expect(median([5, 1, 3])).toBe(3);
		expect(median([4, 1, 3, 2])).toBe(2.5);
		expect(median([])).toBeNull();
	});
});

describe('requesterActions', () => {
	const letter = { cancelled_at: null, picked_up_at: null };
	it('lets a draft or a returned request be edited, never a sent one', () => {
		expect(requesterActions({ status: 'draft', surveyed: false, letter: null }).edit).toBe(true);
		expect(requesterActions({ status: 'returned', surveyed: false, letter: null }).edit).toBe(true);
		expect(requesterActions({ status: 'submitted', surveyed: false, letter: null }).edit).toBe(false);
	});
	it('allows withdrawing until the letter is issued', () => {
		for (const status of ['draft', 'submitted', 'returned', 'rt_approved'] as const) {
			expect(requesterActions({ status, surveyed: false, letter: null }).withdraw).toBe(true);
		}
		for (const status of ['issued', 'rejected', 'withdrawn'] as const) {
			expect(requesterActions({ status, surveyed: false, letter: null }).withdraw).toBe(false);
		}
	});
	it('offers pick-up only for a letter that is valid and not yet picked up', () => {
		expect(requesterActions({ status: 'issued', surveyed: false, letter }).book).toBe(true);
		expect(requesterActions({ status: 'issued', surveyed: false, letter: { ...letter, cancelled_at: '2026-01-01T00:00:00Z' } }).book).toBe(false);
		expect(requesterActions({ status: 'issued', surveyed: false, letter: { ...letter, picked_up_at: '2026-01-01T00:00:00Z' } }).book).toBe(false);
		expect(requesterActions({ status: 'rt_approved', surveyed: false, letter: null }).book).toBe(false);
	});
	it('asks for the survey once, after issue', () => {
		expect(requesterActions({ status: 'issued', surveyed: false, letter }).survey).toBe(true);
		expect(requesterActions({ status: 'issued', surveyed: true, letter }).survey).toBe(false);
		expect(requesterActions({ status: 'rt_approved', surveyed: false, letter: null }).survey).toBe(false);
	});
});
