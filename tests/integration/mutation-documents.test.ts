import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Database } from '../../src/lib/server/db/types';
import { listMutations } from '../../src/lib/server/registry/mutations';
import { checkDocument, readMutationDocument, recordMutationWithDocument } from '../../src/lib/server/registry/mutation-documents';
import type { AcceptedUpload } from '../../src/lib/server/storage/uploads';
import { fixClock } from '../factories/clock';
import { freshDatabase } from '../factories/db';
import { makeHousehold, tempFileStore, testPii } from '../factories/letters';
import { makeMember, makeRw, makeStaff, type TestRw, type TestMember } from '../factories/tenancy';

type Member = TestMember;
let db: Database;
let files: Awaited<ReturnType<typeof tempFileStore>>;
let rw: TestRw;
let admin: Member;
let head1: Member;
let head2: Member;
let resident: Member;
let residentIds: string[];

/** A one-page PDF with a correct xref table (what a scanner app would send). */
function minimalPdf(): Uint8Array {
	const objects = ['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [3 0 R] /Count 1 >>', '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>'];
	let body = '%PDF-1.7\n';
	const offsets = objects.map((obj, i) => {
		const at = body.length;
		body += `${i + 1} 0 obj\n${obj}\nendobj\n`;
		return at;
	});
	const xref = body.length;
	body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
	body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
	return new Uint8Array(Buffer.from(body, 'latin1'));
}

async function acceptedPdf(): Promise<AcceptedUpload> {
	const checked = await checkDocument(new File([minimalPdf() as Uint8Array<ArrayBuffer>], 'surat-kematian.pdf', { type: 'application/pdf' }));
	if (!checked.ok || !checked.file) throw new Error('fixture PDF refused');
	return checked.file;
}

/** Every stored data file (sidecars excluded), as keys. */
async function storedKeys(): Promise<string[]> {
	const entries = await readdir(files.dir, { recursive: true, withFileTypes: true });
	return entries
		.filter((e) => e.isFile() && !e.name.endsWith('.json'))
		.map((e) => path.relative(files.dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
}

const mutationCount = async (residentId: string) =>
	(await db.query<{ n: number }>('select count(*)::int as n from mutation where resident_id = $1', [residentId]))[0]!.n;

beforeAll(async () => {
	db = await freshDatabase();
	files = await tempFileStore();
	rw = await makeRw(db, 2, 1);
	({ admin, head1, head2 } = await makeStaff(db, rw));
	const house = rw.houses[0]!.id;
	resident = await makeMember(db, rw, 'resident', { houseId: house });
	({ residentIds } = await makeHousehold(db, testPii(), rw, house, [{ name: 'Slamet' }, { name: 'Ayu', sex: 'P', birth_date: '2026-10-01' }], resident.id));
});
afterAll(async () => {
	await db?.close();
	await files?.cleanup();
});

// Dates below are days before the fixed now (TEST_NOW), whenever the suite runs.
beforeEach(() => fixClock());
afterEach(() => {
	vi.useRealTimers();
});

describe('mutation documents', () => {
	it('stores a PDF with the mutation: the row keeps the key, the bytes round-trip, the list only says there is one', async () => {
		const pdf = await acceptedPdf();
		const result = await recordMutationWithDocument(db, files.store, head1, { residentId: residentIds[0]!, kind: 'died', occurredOn: '2026-11-05', note: 'Surat kematian RS' }, pdf);
		expect(result.ok).toBe(true);
		const id = result.ok ? result.id : '';
		const [row] = await db.query<{ document_path: string }>('select document_path from mutation where id = $1', [id]);
		expect(row!.document_path).toMatch(new RegExp(`^mutations/${rw.id}/[A-Za-z0-9_-]{22}\\.pdf$`));
		expect(await storedKeys()).toEqual([row!.document_path]);
		const stored = await files.store.get(row!.document_path);
		expect(stored).toEqual({ bytes: minimalPdf(), contentType: 'application/pdf' });

		const listed = await listMutations(db, head1, residentIds[0]!);
		expect(listed).toEqual([expect.objectContaining({ id, kind: 'died', has_document: true })]);
		expect(JSON.stringify(listed)).not.toContain(row!.document_path);
		expect(Object.keys(listed[0]!)).not.toContain('document_path');
	});

	it('serves the document to the RT head of that RT and the RW admin only (RLS)', async () => {
		const [row] = await db.query<{ id: string }>('select id from mutation where resident_id = $1', [residentIds[0]]);
		const read = (user: Member, residentId = residentIds[0]!) => readMutationDocument(db, files.store, user, residentId, row!.id);
		expect((await read(head1))?.bytes).toEqual(minimalPdf());
		expect((await read(admin))?.contentType).toBe('application/pdf');
		expect(await read(head2)).toBeNull();
		expect(await read(resident)).toBeNull();
		expect(await read(admin, residentIds[1]!)).toBeNull(); // the id must belong to that resident
	});

	it('lists a mutation without a document as such', async () => {
		const result = await recordMutationWithDocument(db, files.store, head1, { residentId: residentIds[1]!, kind: 'born', occurredOn: '2026-10-01', note: '' }, null);
		expect(result.ok).toBe(true);
		expect(await listMutations(db, admin, residentIds[1]!)).toEqual([expect.objectContaining({ kind: 'born', has_document: false })]);
		expect(await storedKeys()).toHaveLength(1);
	});

	it('deletes the stored file again when the mutation is refused', async () => {
		const before = await storedKeys();
		const refused = await recordMutationWithDocument(db, files.store, head2, { residentId: residentIds[0]!, kind: 'moved_out', occurredOn: '2026-11-06', note: '' }, await acceptedPdf());
		expect(refused).toEqual({ ok: false, reason: 'not_found' });
		expect(await storedKeys()).toEqual(before);
		expect(await mutationCount(residentIds[0]!)).toBe(1);
	});

	it('deletes the stored file again and re-throws when the transaction fails', async () => {
		const before = await storedKeys();
		const failing = recordMutationWithDocument(db, files.store, admin, { residentId: residentIds[0]!, kind: 'flooded' as never, occurredOn: '2026-11-06', note: '' }, await acceptedPdf());
		// The database refuses the row (check constraint) on PGlite and PostgreSQL alike.
		await expect(failing).rejects.toThrow(/mutation_kind_check/);
		expect(await storedKeys()).toEqual(before);
		expect(await mutationCount(residentIds[0]!)).toBe(1);
	});

	it('checks the field by content: no file is fine, a text file named akta.jpg is refused', async () => {
		expect(await checkDocument(null)).toEqual({ ok: true, file: null });
		expect(await checkDocument(new File([], '', { type: 'application/octet-stream' }))).toEqual({ ok: true, file: null });
		expect(await checkDocument(new File(['bukan foto'], 'akta.jpg', { type: 'image/jpeg' }))).toEqual({ ok: false, problem: 'upload.unsupported' });
		expect(await checkDocument(new File([], 'kosong.pdf', { type: 'application/pdf' }))).toEqual({ ok: false, problem: 'upload.empty' });
	});
});
