import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withUser } from '../../src/lib/server/db/with-user';
import type { Database } from '../../src/lib/server/db/types';
import type { LocalFileStore } from '../../src/lib/server/storage/files';
import { checkPhoto } from '../../src/lib/server/complaints/photos';
import { assign, assignees, changeStatus, changeStatusBulk, getComplaint, listCategories, listForStaff, listPublic, photoFile, report, type ReportInput } from '../../src/lib/server/complaints/service';
import { editText, hide, hidePhoto, replacePhoto, revisions, unhide } from '../../src/lib/server/complaints/moderation';
import { listAllCategories, saveCategory } from '../../src/lib/server/complaints/categories';
import { complaintInput, complaintsWorld, north, type ComplaintsWorld } from '../factories/complaints';
import { makeMember, type TestRw } from '../factories/tenancy';

/**
 * Triage and moderation against a real database (docs/complaints.md): assigning to a
 * person who may handle it, bulk status changes with per-item refusals, hiding and
 * privacy edits with the original kept and the reporter told, photos hidden or
 * replaced, and the RW admin's categories; who may do each, under RLS.
 */
let world: ComplaintsWorld;
let db: Database;
let files: LocalFileStore;
let rwA: TestRw;
let rwB: TestRw;
type Member = Awaited<ReturnType<typeof makeMember>>;
let reporter: Member, neighbour: Member, head: Member, otherHead: Member, admin: Member, outsider: Member;
let drainA: string;

const T0 = new Date('2026-12-01T03:00:00Z');
const DAY = 86_400_000;

const input = (m: number, over: Partial<ReportInput> = {}): ReportInput =>
	complaintInput(drainA, { title: `Got mampet ${m}`, description: 'Air meluap ke jalan depan rumah Pak Budi nomor 12', lat: String(north(m).lat), lng: String(north(m).lng), ...over });

/** Files a report at `at` on the app's clock (its age runs from there). */
async function file(m: number, at = T0, over: Partial<ReportInput> = {}): Promise<string> {
	const filed = await report(db, files, reporter, input(m, over), [], at);
	if (!filed.ok) throw new Error(JSON.stringify(filed));
	return filed.id;
}

const told = (link: string, kind: string) => db.query<{ user_id: string }>(`select user_id from notification where link = $1 and kind = $2`, [link, kind]).then((r) => r.map((x) => x.user_id).sort());
const events = (id: string) => db.query<{ kind: string; by_user: string; from_status: string | null; to_status: string | null; note: string | null }>('select kind, by_user, from_status, to_status, note from complaint_event where complaint_id = $1 order by id', [id]);
const statusOf = async (id: string) => (await db.query<{ status: string }>('select status from complaint where id = $1', [id]))[0]!.status;

beforeAll(async () => {
	world = await complaintsWorld();
	({ db, files, rwA, rwB } = world);
	reporter = await makeMember(db, rwA, 'resident', { houseId: rwA.houses[0]!.id });
	neighbour = await makeMember(db, rwA, 'resident', { houseId: rwA.houses[1]!.id });
	head = await makeMember(db, rwA, 'rt_head', { rtIndex: 0, name: 'Pak RT Satu' });
	otherHead = await makeMember(db, rwA, 'rt_head', { rtIndex: 1 });
	admin = await makeMember(db, rwA, 'rw_admin', { name: 'Bu RW' });
	outsider = await makeMember(db, rwB, 'rw_admin');
	drainA = await world.category('drainage');
});
afterAll(() => world?.close());

describe('assigning a complaint to a person', () => {
	let id: string;
	beforeAll(async () => {
		id = await file(0);
	});

	it('offers only those who may handle it: the RW admins and the head of its RT', async () => {
		expect((await assignees(db, head, id)).map((a) => a.id).sort()).toEqual([head.id, admin.id].sort());
		expect(await assignees(db, neighbour, id)).toEqual([]);
		expect(await assignees(db, outsider, id)).toEqual([]);
	});

	it('the RW admin assigns the RT head, who is told; the triage list filters by assignee', async () => {
		expect(await assign(db, admin, id, head.id, T0)).toEqual({ ok: true });
		expect(await told(`/pengaduan/${id}`, 'complaint.assigned')).toEqual([head.id]);
		expect((await events(id)).at(-1)).toMatchObject({ kind: 'assigned', by_user: admin.id, note: 'Pak RT Satu' });
		const mine = await listForStaff(db, head, { assignee: head.id }, T0);
		expect(mine.map((c) => c.id)).toEqual([id]);
		expect(mine[0]).toMatchObject({ assignee_id: head.id, assignee_name: 'Pak RT Satu' });
		expect((await listForStaff(db, admin, { assignee: 'none' }, T0)).map((c) => c.id)).not.toContain(id);
		expect(await getComplaint(db, admin, id)).toMatchObject({ full: { assignee_id: head.id, assignee_name: 'Pak RT Satu' } });
	});

	it('refuses a resident, the head of another RT, or anyone of another RW as assignee, even written directly', async () => {
		for (const who of [neighbour, otherHead, outsider]) {
			expect(await assign(db, admin, id, who.id, T0)).toEqual({ ok: false, errors: { assignee: 'complaints.error.assignee' } });
		}
		await expect(withUser(db, { sub: admin.id, rw_id: rwA.id }, (tx) => tx.query('update complaint set assignee_id = $2 where id = $1', [id, otherHead.id]))).rejects.toThrow(/assignee may not handle/);
		expect((await getComplaint(db, admin, id))?.full?.assignee_id).toBe(head.id);
	});

	it('is refused to the reporter, other residents, another RT’s head and another RW’s staff', async () => {
		expect(await assign(db, reporter, id, admin.id, T0)).toEqual({ ok: false, reason: 'forbidden' });
		for (const who of [neighbour, otherHead, outsider]) expect(await assign(db, who, id, admin.id, T0)).toEqual({ ok: false, reason: 'not_found' });
		await expect(withUser(db, { sub: reporter.id, rw_id: rwA.id }, (tx) => tx.query('update complaint set assignee_id = $2 where id = $1', [id, admin.id]))).rejects.toThrow(/may only reopen or rate/);
		expect((await getComplaint(db, admin, id))?.full?.assignee_id).toBe(head.id);
	});
});

describe('the triage list', () => {
	it('filters by age on the app’s clock', async () => {
		const old = await file(5, new Date(T0.getTime() - 8 * DAY));
		const fresh = await file(10, T0);
		const aged = (await listForStaff(db, admin, { minAgeDays: 7 }, T0)).map((c) => c.id);
		expect(aged).toEqual([old]);
		expect((await listForStaff(db, admin, { minAgeDays: 7 }, new Date(T0.getTime() + 7 * DAY))).map((c) => c.id)).toContain(fresh);
	});
});

describe('a bulk status change', () => {
	it('moves each allowed complaint as a single change would, and reports the refused ones untouched', async () => {
		const a = await file(20);
		const b = await file(25);
		const fixed = await file(35);
		expect(await changeStatus(db, admin, fixed, { to: 'selesai', note: '' }, T0)).toEqual({ ok: true });
		const result = await changeStatusBulk(db, admin, [a, b, fixed, a], { to: 'diterima', note: 'Dicek besok pagi' }, T0);
		expect(result).toMatchObject({ ok: true, changed: [a, b], refused: [{ id: fixed, result: { ok: false, errors: { to: 'complaints.error.move' } } }] });
		expect([await statusOf(a), await statusOf(b), await statusOf(fixed)]).toEqual(['diterima', 'diterima', 'selesai']);
		for (const id of [a, b]) {
			expect((await events(id)).at(-1)).toMatchObject({ kind: 'status', by_user: admin.id, from_status: 'baru', to_status: 'diterima', note: 'Dicek besok pagi' });
			expect(await told(`/pengaduan/${id}`, 'complaint.diterima')).toEqual([reporter.id]);
		}
		expect((await events(fixed)).at(-1)).toMatchObject({ to_status: 'selesai' });
		expect(await told(`/pengaduan/${fixed}`, 'complaint.diterima')).toEqual([]);
	});

	it('refuses what the user does not manage per item (another RT, another RW), and a closing without its reason', async () => {
		const inRt2 = await file(80);
		const inRt1 = await file(40);
		const asHead = await changeStatusBulk(db, head, [inRt1, inRt2], { to: 'dikerjakan', note: '' }, T0);
		expect(asHead).toMatchObject({ ok: true, changed: [inRt1], refused: [{ id: inRt2, title: null, result: { reason: 'not_found' } }] });
		expect(await statusOf(inRt2)).toBe('baru');
		expect(await changeStatusBulk(db, outsider, [inRt2], { to: 'dikerjakan', note: '' }, T0)).toMatchObject({ ok: true, changed: [], refused: [{ id: inRt2 }] });
		expect(await changeStatusBulk(db, reporter, [inRt2], { to: 'dikerjakan', note: '' }, T0)).toMatchObject({ ok: true, changed: [], refused: [{ result: { reason: 'forbidden' } }] });
		const closing = await changeStatusBulk(db, admin, [inRt2], { to: 'ditutup', note: '' }, T0);
		expect(closing).toMatchObject({ ok: true, changed: [], refused: [{ result: { errors: { closed_reason: 'complaints.error.closed_reason' } } }] });
		expect(await statusOf(inRt2)).toBe('baru');
		expect(await changeStatusBulk(db, admin, [], { to: 'diterima', note: '' }, T0)).toEqual({ ok: false, errors: { ids: 'complaints.error.bulk_none' } });
	});
});

describe('moderation', () => {
	let id: string;
	beforeAll(async () => {
		id = await file(15, T0, { title: 'Got mampet depan rumah Pak Budi', description: 'Pak Budi (0812-3456-7890) buang sampah ke got' });
	});

	it('hides a report from other residents with a reason; staff and the reporter still read it; the reporter is told', async () => {
		expect(await hide(db, head, id, '  ', T0)).toEqual({ ok: false, errors: { reason: 'complaints.error.reason' } });
		expect((await getComplaint(db, neighbour, id))?.id).toBe(id);
		expect(await hide(db, head, id, 'Menyebut nama warga', T0)).toEqual({ ok: true });
		expect(await getComplaint(db, neighbour, id)).toBeNull();
		expect((await listPublic(db, neighbour)).map((c) => c.id)).not.toContain(id);
		expect(await getComplaint(db, admin, id)).toMatchObject({ full: { hidden: true, hidden_reason: 'Menyebut nama warga' } });
		expect(await getComplaint(db, reporter, id)).toMatchObject({ full: { hidden: true } });
		expect(await told(`/pengaduan/${id}`, 'complaint.hidden')).toEqual([reporter.id]);
		expect((await events(id)).at(-1)).toMatchObject({ kind: 'hidden', by_user: head.id, note: 'Menyebut nama warga' });
		const audited = await db.query<{ actor_id: string; action: string }>('select actor_id, action from audit_log where target = $1', [id]);
		expect(audited).toEqual([{ actor_id: head.id, action: 'complaint.hidden' }]);
		expect(await unhide(db, admin, id, 'Sudah disunting', T0)).toEqual({ ok: true });
		expect((await getComplaint(db, neighbour, id))?.id).toBe(id);
		expect(await told(`/pengaduan/${id}`, 'complaint.unhidden')).toEqual([reporter.id]);
	});

	it('edits the text for privacy: others only ever read the new text, the original is kept for staff, the reporter is told', async () => {
		expect(await editText(db, head, id, { title: 'ab', description: '', reason: '' }, T0)).toEqual({
			ok: false,
			errors: { title: 'complaints.error.title', description: 'complaints.error.description', reason: 'complaints.error.reason' }
		});
		const edited = { title: 'Got mampet di RT 1', description: 'Ada warga buang sampah ke got', reason: 'Nama dan nomor telepon warga' };
		expect(await editText(db, head, id, edited, T0)).toEqual({ ok: true });
		expect(await getComplaint(db, neighbour, id)).toMatchObject({ title: edited.title, description: edited.description });
		const publicRow = (await listPublic(db, neighbour)).find((c) => c.id === id)!;
		expect(JSON.stringify(publicRow)).not.toMatch(/Budi|0812/);
		expect(await revisions(db, admin, id)).toMatchObject([
			{ by_name: 'Pak RT Satu', reason: edited.reason, old_title: 'Got mampet depan rumah Pak Budi', old_description: 'Pak Budi (0812-3456-7890) buang sampah ke got', new_title: edited.title }
		]);
		expect(await revisions(db, neighbour, id)).toEqual([]);
		expect(await revisions(db, reporter, id)).toEqual([]);
		expect(await told(`/pengaduan/${id}`, 'complaint.edited')).toEqual([reporter.id]);
		const notes = await db.query<{ params: { title: string } }>(`select params from notification where link = $1 and kind = 'complaint.edited'`, [`/pengaduan/${id}`]);
		expect(notes[0]!.params.title).toBe(edited.title);
		expect(await editText(db, head, id, edited, T0)).toEqual({ ok: false, errors: { description: 'complaints.error.unchanged' } });
	});

	it('keeps the original: revisions cannot be changed or removed, even by staff', async () => {
		await withUser(db, { sub: admin.id, rw_id: rwA.id }, (tx) => tx.query(`update complaint_revision set old_title = 'x' where complaint_id = $1`, [id])).catch(() => null);
		await withUser(db, { sub: admin.id, rw_id: rwA.id }, (tx) => tx.query(`delete from complaint_revision where complaint_id = $1`, [id])).catch(() => null);
		expect((await revisions(db, admin, id))[0]?.old_title).toBe('Got mampet depan rumah Pak Budi');
	});

	it('is refused to residents, the reporter, another RT’s head and another RW’s staff', async () => {
		const change = { title: 'Diubah', description: 'Diubah', reason: 'Coba ubah' };
		expect(await editText(db, reporter, id, change, T0)).toEqual({ ok: false, reason: 'forbidden' });
		expect(await hide(db, reporter, id, 'Coba sembunyikan', T0)).toEqual({ ok: false, reason: 'forbidden' });
		for (const who of [neighbour, otherHead, outsider]) {
			expect(await editText(db, who, id, change, T0)).toEqual({ ok: false, reason: 'not_found' });
			expect(await hide(db, who, id, 'Coba sembunyikan', T0)).toEqual({ ok: false, reason: 'not_found' });
		}
		await expect(withUser(db, { sub: reporter.id, rw_id: rwA.id }, (tx) => tx.query(`update complaint set hidden_reason = 'x' where id = $1`, [id]))).rejects.toThrow(/may only reopen or rate/);
		await expect(
			withUser(db, { sub: neighbour.id, rw_id: rwA.id }, (tx) =>
				tx.query(`insert into complaint_revision (rw_id, complaint_id, at, by_user, reason, old_title, old_description, new_title, new_description) values ($1, $2, now(), $3, 'abc', 'a', 'b', 'c', 'd')`, [rwA.id, id, neighbour.id])
			)
		).rejects.toThrow(/row-level security/);
		expect(await getComplaint(db, neighbour, id)).toMatchObject({ title: 'Got mampet di RT 1' });
	});
});

describe('two staff moderating at once', () => {
	// PGlite runs one transaction at a time: only PostgreSQL shows the race. Unlocked, both
	// edits would keep the same "original" and the first edit's text would vanish from the chain.
	it.runIf(process.env.DATABASE_URL)('take turns: each revision keeps the text the other left (PostgreSQL)', async () => {
		for (let round = 0; round < 5; round++) {
			const id = await file(2 + round);
			const edits = [head, admin].map((who, i) => editText(db, who, id, { title: `Judul ${round}-${i}`, description: `Uraian ${round}-${i}`, reason: 'Privasi warga' }, T0));
			expect(await Promise.all(edits)).toEqual([{ ok: true }, { ok: true }]);
			const chain = await revisions(db, admin, id);
			expect(chain).toHaveLength(2);
			expect(chain[0]!.old_title).toBe(`Got mampet ${2 + round}`);
			expect(chain[1]!.old_title).toBe(chain[0]!.new_title);
			expect(chain[1]!.old_description).toBe(chain[0]!.new_description);
			expect((await getComplaint(db, admin, id))!.title).toBe(chain[1]!.new_title);
		}
	});
});

describe('moderating a photo', () => {
	let id: string;
	let original: string;
	const photo = async (colour: string) => {
		const bytes = await sharp({ create: { width: 320, height: 240, channels: 3, background: colour } }).jpeg().toBuffer();
		const checked = await checkPhoto({ bytes: new Uint8Array(bytes), name: 'foto.jpg' });
		if (!checked.ok) throw new Error(checked.problem);
		return checked.photo;
	};

	beforeAll(async () => {
		const filed = await report(db, files, reporter, input(20), [await photo('#aa0000')], T0);
		id = (filed as { id: string }).id;
		original = (await getComplaint(db, reporter, id))!.photos[0]!.id;
	});

	it('replaces a photo: others see only the replacement, staff see both, the original file is kept', async () => {
		expect(await replacePhoto(db, files, head, id, original, await photo('#0000aa'), '', T0)).toEqual({ ok: false, errors: { reason: 'complaints.error.reason' } });
		expect(await replacePhoto(db, files, neighbour, id, original, await photo('#0000aa'), 'Wajah warga', T0)).toEqual({ ok: false, reason: 'not_found' });
		expect(await replacePhoto(db, files, head, id, original, await photo('#0000aa'), 'Wajah warga terlihat', T0)).toEqual({ ok: true });
		const seen = await getComplaint(db, neighbour, id);
		expect(seen!.photos).toHaveLength(1);
		const replacement = seen!.photos[0]!;
		expect(replacement).toMatchObject({ hidden: false, replaces: original });
		expect(await photoFile(db, files, neighbour, original, false)).toBeNull();
		expect(await photoFile(db, files, reporter, original, false)).toBeNull();
		expect(await photoFile(db, files, neighbour, replacement.id, false)).not.toBeNull();
		const asStaff = await getComplaint(db, admin, id);
		expect(asStaff!.photos).toMatchObject([{ id: original, hidden: true, hidden_reason: 'Wajah warga terlihat' }, { id: replacement.id }]);
		expect(await photoFile(db, files, admin, original, false)).not.toBeNull();
		expect(await told(`/pengaduan/${id}`, 'complaint.photo_replaced')).toEqual([reporter.id]);
	});

	it('hides a photo without a replacement; a hidden one cannot be hidden again', async () => {
		const replacement = (await getComplaint(db, neighbour, id))!.photos[0]!.id;
		expect(await hidePhoto(db, admin, id, replacement, 'Plat nomor kendaraan', T0)).toEqual({ ok: true });
		expect((await getComplaint(db, neighbour, id))!.photos).toEqual([]);
		expect(await hidePhoto(db, admin, id, replacement, 'Plat nomor kendaraan', T0)).toEqual({ ok: false, errors: { photo: 'complaints.error.photo_not_found' } });
		expect((await getComplaint(db, admin, id))!.photos.every((p) => p.hidden)).toBe(true);
	});
});

describe('categories', () => {
	it('the RW admin adds one: names checked, offered on the form, routed as set', async () => {
		const bad = await saveCategory(db, admin, null, { name: 'x', nameEn: 'y'.repeat(61), routeTo: 'lurah', privateByDefault: false, active: true });
		expect(bad).toEqual({ ok: false, errors: { name: 'complaints.error.category_name', name_en: 'complaints.error.category_name_en', route_to: 'complaints.error.route_to' } });
		const taken = await saveCategory(db, admin, null, { name: 'sampah', nameEn: '', routeTo: 'rt_head', privateByDefault: false, active: true });
		expect(taken).toEqual({ ok: false, errors: { name: 'complaints.error.category_taken' } });
		const added = await saveCategory(db, admin, null, { name: 'Pohon tumbang', nameEn: 'Fallen tree', routeTo: 'rw_admin', privateByDefault: true, active: true });
		expect(added).toMatchObject({ ok: true });
		const id = (added as { id: string }).id;
		const offered = await withUser(db, { sub: reporter.id, rw_id: rwA.id }, (tx) => listCategories(tx, rwA.id));
		expect(offered.find((c) => c.id === id)).toMatchObject({ name: 'Pohon tumbang', name_en: 'Fallen tree', route_to: 'rw_admin', private_by_default: true });
		// Routed to the RW admins, private whatever the resident ticked.
		const filed = await file(30, T0, { categoryId: id });
		expect(await told(`/pengaduan/${filed}`, 'complaint.new')).toEqual([admin.id]);
		expect(await getComplaint(db, neighbour, filed)).toBeNull();
	});

	it('an inactive one is no longer offered; the complaints filed under it keep it', async () => {
		const [row] = (await listAllCategories(db, admin)).filter((c) => c.name === 'Pohon tumbang');
		expect(row).toMatchObject({ used: 1, active: true });
		expect(await saveCategory(db, admin, row!.id, { name: 'Pohon tumbang', nameEn: 'Fallen tree', routeTo: 'rw_admin', privateByDefault: true, active: false })).toMatchObject({ ok: true });
		const offered = await withUser(db, { sub: reporter.id, rw_id: rwA.id }, (tx) => listCategories(tx, rwA.id));
		expect(offered.map((c) => c.id)).not.toContain(row!.id);
		expect((await listAllCategories(db, admin)).find((c) => c.id === row!.id)).toMatchObject({ active: false, used: 1 });
		expect(await report(db, files, reporter, input(31, { categoryId: row!.id }), [], T0)).toMatchObject({ ok: false, errors: { category: 'complaints.error.category' } });
	});

	it('is the RW admin’s only: an RT head, a resident and another RW’s admin are refused', async () => {
		const [drain] = (await listAllCategories(db, admin)).filter((c) => c.id === drainA);
		const change = { name: 'Diubah', nameEn: '', routeTo: 'rw_admin', privateByDefault: false, active: false };
		expect(await saveCategory(db, head, drainA, change)).toEqual({ ok: false, reason: 'forbidden' });
		expect(await saveCategory(db, reporter, drainA, change)).toEqual({ ok: false, reason: 'forbidden' });
		expect(await saveCategory(db, outsider, drainA, change)).toEqual({ ok: false, reason: 'not_found' });
		expect((await listAllCategories(db, admin)).find((c) => c.id === drainA)).toEqual(drain);
		expect(drain).toMatchObject({ name_en: 'Blocked drain', active: true });
	});
});
