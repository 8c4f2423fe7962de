import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import exifr from 'exifr';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withUser } from '../../src/lib/server/db/with-user';
import type { Database } from '../../src/lib/server/db/types';
import type { LocalFileStore } from '../../src/lib/server/storage/files';
import { checkPhoto } from '../../src/lib/server/complaints/photos';
import { changeStatus, getComplaint, listPublic, rate, reopen, report, support, type ReportInput } from '../../src/lib/server/complaints/service';
import { complaintInput, complaintsWorld, north, type ComplaintsWorld } from '../factories/complaints';
import { makeMember, type TestRw } from '../factories/tenancy';

/**
 * Complaints against a real database and file store: photos stored without their GPS,
 * who reads and changes what under RLS (across RWs, another's report), duplicates and
 * "me too", the lifecycle with notifications, and the reopen window on a fixed clock.
 */
let world: ComplaintsWorld;
let db: Database;
let files: LocalFileStore;
let rwA: TestRw;
let rwB: TestRw;
type Member = Awaited<ReturnType<typeof makeMember>>;
let reporter: Member, neighbour: Member, head: Member, otherHead: Member, outsider: Member;
let drainA: string;

const T0 = new Date('2026-12-01T03:00:00Z');
const DAY = 86_400_000;

async function photoWithGps(): Promise<Uint8Array> {
	return sharp({ create: { width: 640, height: 480, channels: 3, background: '#556677' } })
		.jpeg()
		.withExif({ IFD0: { Make: 'TestPhone' }, IFD3: { GPSLatitudeRef: 'S', GPSLatitude: '6/1 12/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '106/1 48/1 0/1' } })
		.toBuffer()
		.then((b) => new Uint8Array(b));
}

const input = (over: Partial<ReportInput> = {}): ReportInput => complaintInput(drainA, { ignoreDuplicates: false, ...over });

beforeAll(async () => {
	world = await complaintsWorld();
	({ db, files, rwA, rwB } = world);
	reporter = await makeMember(db, rwA, 'resident', { houseId: rwA.houses[0]!.id });
	neighbour = await makeMember(db, rwA, 'resident', { houseId: rwA.houses[1]!.id });
	head = await makeMember(db, rwA, 'rt_head', { rtIndex: 0 });
	otherHead = await makeMember(db, rwA, 'rt_head', { rtIndex: 1 });
	outsider = await makeMember(db, rwB, 'rw_admin');
	drainA = await world.category('drainage');
});
afterAll(() => world?.close());

describe('a photo', () => {
	it('gives its GPS for the pin, and is stored without it', async () => {
		const original = await photoWithGps();
		expect(await exifr.gps(Buffer.from(original))).toMatchObject({ latitude: -6.2, longitude: 106.8 });
		const checked = await checkPhoto({ bytes: original, name: 'IMG_1.jpg' });
		if (!checked.ok) throw new Error(checked.problem);
		expect(checked.photo.gps).toEqual({ lat: -6.2, lng: 106.8 });
		// No pin typed: the photo's GPS places it.
		const filed = await report(db, files, reporter, input({ lat: '', lng: '' }), [checked.photo], T0);
		expect(filed).toMatchObject({ ok: true });
		const stored = await listStored();
		expect(stored).toHaveLength(2); // the photo and its thumbnail
		for (const file of stored) {
			const bytes = await readFile(file);
			expect(await exifr.gps(bytes)).toBeUndefined();
			expect(await exifr.parse(bytes).catch(() => undefined)).toBeUndefined();
		}
		const detail = await getComplaint(db, reporter, (filed as { id: string }).id);
		expect(detail).toMatchObject({ lat: -6.2, lng: 106.8, status: 'baru', full: { mine: true } });
	});
});

async function listStored(): Promise<string[]> {
	const out: string[] = [];
	const walk = async (d: string) => {
		for (const e of await readdir(d, { withFileTypes: true })) {
			const p = path.join(d, e.name);
			if (e.isDirectory()) await walk(p);
			else if (!e.name.endsWith('.json')) out.push(p);
		}
	};
	await walk(world.dir);
	return out;
}

describe('duplicates and "me too"', () => {
	it('offers the open report 20 m away instead of a new one, and counts the support', async () => {
		const first = await report(db, files, reporter, input({ ...toInput(north(200)), ignoreDuplicates: true }), [], T0);
		expect(first).toMatchObject({ ok: true });
		const again = await report(db, files, neighbour, input(toInput(north(220))), [], T0);
		expect(again).toMatchObject({ ok: false, duplicates: [{ id: (first as { id: string }).id }] });
		expect(await support(db, neighbour, (first as { id: string }).id)).toBe(true);
		expect(await support(db, neighbour, (first as { id: string }).id)).toBe(true); // twice counts once
		expect(await support(db, reporter, (first as { id: string }).id)).toBe(false); // one's own
		const seen = await getComplaint(db, neighbour, (first as { id: string }).id);
		expect(seen).toMatchObject({ supporter_count: 1, supported: true, full: null });
	});
});

const toInput = (p: { lat: number; lng: number }) => ({ lat: String(p.lat), lng: String(p.lng) });

describe('who sees and changes what', () => {
	let id: string;
	beforeAll(async () => {
		const filed = await report(db, files, reporter, input({ ...toInput(north(5)), title: '<script>alert(1)</script>', ignoreDuplicates: true }), [], T0);
		id = (filed as { id: string }).id;
	});

	it('other residents read the public report without the reporter; another RW reads nothing', async () => {
		const asNeighbour = await listPublic(db, neighbour);
		const row = asNeighbour.find((c) => c.id === id)!;
		expect(row.title).toBe('<script>alert(1)</script>');
		expect(Object.keys(row)).not.toContain('reporter_id');
		const raw = await withUser(db, { sub: neighbour.id, rw_id: rwA.id }, (tx) => tx.query('select reporter_id from complaint where id = $1', [id]));
		expect(raw).toEqual([]);
		expect(await getComplaint(db, outsider, id)).toBeNull();
		expect(await listPublic(db, outsider)).toEqual([]);
	});

	it('a private report is the reporter’s and staff’s only; staff see the name', async () => {
		const filed = await report(db, files, reporter, input({ ...toInput(north(10)), private: true, ignoreDuplicates: true }), [], T0);
		const pid = (filed as { id: string }).id;
		expect(await getComplaint(db, neighbour, pid)).toBeNull();
		expect(await getComplaint(db, head, pid)).toMatchObject({ full: { reporter_name: reporter.name, is_public: false } });
	});

	it('a resident cannot change another’s report, and the reporter cannot rewrite their own', async () => {
		const asNeighbour = await withUser(db, { sub: neighbour.id, rw_id: rwA.id }, (tx) => tx.query(`update complaint set title = 'diubah' where id = $1 returning id`, [id]));
		expect(asNeighbour).toEqual([]);
		await expect(
			withUser(db, { sub: reporter.id, rw_id: rwA.id }, (tx) => tx.query(`update complaint set status = 'selesai', finished_at = now() where id = $1`, [id]))
		).rejects.toThrow(/may only reopen/);
		await expect(withUser(db, { sub: reporter.id, rw_id: rwA.id }, (tx) => tx.query(`update complaint set hidden = true where id = $1`, [id]))).rejects.toThrow(/may only reopen or rate/);
		expect(await changeStatus(db, neighbour, id, { to: 'diterima', note: '' }, T0)).toEqual({ ok: false, reason: 'not_found' });
		// The head of the other RT, and staff of another RW, do not reach it.
		expect(await changeStatus(db, otherHead, id, { to: 'diterima', note: '' }, T0)).toEqual({ ok: false, reason: 'not_found' });
		expect(await changeStatus(db, outsider, id, { to: 'diterima', note: '' }, T0)).toEqual({ ok: false, reason: 'not_found' });
	});

	it('the RT head moves it to selesai; the reporter and supporters hear of each step; the reporter rates it', async () => {
		expect(await support(db, neighbour, id)).toBe(true);
		expect(await changeStatus(db, head, id, { to: 'dikerjakan', note: 'Petugas datang besok' }, T0)).toEqual({ ok: true });
		expect(await changeStatus(db, head, id, { to: 'baru', note: '' }, T0)).toMatchObject({ ok: false, errors: { to: 'complaints.error.move' } });
		expect(await rate(db, reporter, id, { rating: '5', comment: '' }, T0)).toMatchObject({ ok: false, errors: { rating: 'complaints.error.rate_not_fixed' } });
		expect(await changeStatus(db, head, id, { to: 'selesai', note: 'Sudah dibersihkan' }, T0)).toEqual({ ok: true });
		const told = await db.query<{ user_id: string; kind: string }>(
			`select user_id, kind from notification where link = $1 order by id`,
			[`/pengaduan/${id}`]
		);
		expect(told.filter((n) => n.kind === 'complaint.selesai').map((n) => n.user_id).sort()).toEqual([reporter.id, neighbour.id].sort());
		expect(await rate(db, reporter, id, { rating: '6', comment: '' }, T0)).toMatchObject({ ok: false, errors: { rating: 'complaints.error.rating' } });
		expect(await rate(db, reporter, id, { rating: '4', comment: 'Cepat' }, T0)).toEqual({ ok: true });
		expect(await rate(db, neighbour, id, { rating: '1', comment: '' }, T0)).toEqual({ ok: false, reason: 'not_found' });
		expect(await getComplaint(db, reporter, id)).toMatchObject({ status: 'selesai', full: { rating: 4, rating_comment: 'Cepat' } });
	});

	it('the reporter reopens within 14 days of selesai, not after (fixed clock)', async () => {
		expect(await reopen(db, reporter, id, 'Mampet lagi', new Date(T0.getTime() + 14 * DAY + 1))).toMatchObject({ ok: false, errors: { note: 'complaints.error.reopen_window' } });
		expect(await reopen(db, neighbour, id, '', new Date(T0.getTime() + DAY))).toEqual({ ok: false, reason: 'not_found' });
		expect(await reopen(db, reporter, id, 'Mampet lagi', new Date(T0.getTime() + 14 * DAY))).toEqual({ ok: true });
		expect(await getComplaint(db, reporter, id)).toMatchObject({ status: 'diterima', finished_at: null, full: { rating: null } });
	});

	it('closing as not ours needs the outside office’s link', async () => {
		expect(await changeStatus(db, head, id, { to: 'ditutup', note: '', closedReason: 'not_ours' }, T0)).toMatchObject({ ok: false, errors: { forward_url: 'complaints.error.forward_url' } });
		expect(await changeStatus(db, head, id, { to: 'ditutup', note: 'Wewenang Dinas SDA', closedReason: 'not_ours', forwardUrl: 'https://jaki.jakarta.go.id' }, T0)).toEqual({ ok: true });
		expect(await getComplaint(db, neighbour, id)).toMatchObject({ status: 'ditutup', closed_reason: 'not_ours', forward_url: 'https://jaki.jakarta.go.id' });
	});
});

describe('a pin outside the RW', () => {
	it('is warned first, filed once confirmed', async () => {
		expect(await report(db, files, reporter, input({ ...toInput(north(2000)), ignoreDuplicates: true }), [], T0)).toMatchObject({ ok: false, outside: true });
		expect(await report(db, files, reporter, input({ ...toInput(north(2000)), ignoreDuplicates: true, confirmOutside: true }), [], T0)).toMatchObject({ ok: true });
	});
});
