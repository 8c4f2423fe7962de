import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db/types';
import { complaintStats } from '../../src/lib/server/complaints/stats';
import { freshDatabase } from '../factories/db';
import { TEST_NOW } from '../factories/clock';
import { makeMember, makeRw, type TestRw } from '../factories/tenancy';

/**
 * Complaint statistics on a fixed dataset and a fixed "now" (1 December 2026, 10:00
 * WIB): months in WIB, the 12-month window, the median by percentile_cont, fixed vs
 * closed, the mean rating; hidden complaints and other RWs left out; an RT head sees
 * their RT only, a resident nothing.
 */
let db: Database;
let rw: TestRw;
let other: TestRw;
type Member = Awaited<ReturnType<typeof makeMember>>;
let admin: Member, head1: Member, resident: Member, otherAdmin: Member;

const H = 3_600_000;

interface Row {
	at: string;
	rt: 0 | 1;
	category: string;
	status: 'baru' | 'dikerjakan' | 'selesai' | 'ditutup';
	hours?: number;
	rating?: number;
	hidden?: boolean;
	private?: boolean;
	rw?: TestRw;
}

async function add(r: Row): Promise<void> {
	const inRw = r.rw ?? rw;
	const [cat] = await db.query<{ id: string }>('select id from complaint_category where rw_id = $1 and code = $2', [inRw.id, r.category]);
	const at = new Date(r.at);
	const finished = r.hours === undefined ? null : new Date(at.getTime() + r.hours * H);
	// created_at stays the database's own now(): the statistics go by the reported event (the app's clock).
	const [c] = await db.query<{ id: string }>(
		`insert into complaint (rw_id, rt_id, category_id, reporter_id, title, description, is_public, hidden, hidden_reason, lat, lng, status, closed_reason, finished_at, rating)
		 values ($1, $2, $3, $4, 'Laporan uji', 'Uraian', $5, $6, $11, -6.2, 106.8, $7, $8, $9, $10) returning id`,
		[inRw.id, inRw.rts[r.rt]!.id, cat!.id, resident.id, !r.private, r.hidden ?? false, r.status, r.status === 'ditutup' ? 'invalid' : null, finished, r.rating ?? null, r.hidden ? 'Data pribadi' : null]
	);
	await db.query(`insert into complaint_event (rw_id, complaint_id, at, by_user, kind, to_status) values ($1, $2, $3, $4, 'reported', 'baru')`, [inRw.id, c!.id, at, resident.id]);
}

beforeAll(async () => {
	db = await freshDatabase();
	rw = await makeRw(db, 2, 1);
	other = await makeRw(db, 1, 1);
	admin = await makeMember(db, rw, 'rw_admin');
	head1 = await makeMember(db, rw, 'rt_head', { rtIndex: 0 });
	resident = await makeMember(db, rw, 'resident', { rtIndex: 0 });
	otherAdmin = await makeMember(db, other, 'rw_admin');
	const rows: Row[] = [
		// 1 December 00:30 WIB (still 30 November in UTC): December.
		{ at: '2026-11-30T17:30:00Z', rt: 0, category: 'drainage', status: 'selesai', hours: 10, rating: 5 },
		// 30 November 23:30 WIB: November.
		{ at: '2026-11-30T16:30:00Z', rt: 0, category: 'drainage', status: 'selesai', hours: 20, rating: 4 },
		{ at: '2026-11-10T03:00:00Z', rt: 1, category: 'street_light', status: 'selesai', hours: 40, rating: 2 },
		{ at: '2026-10-05T03:00:00Z', rt: 1, category: 'rubbish', status: 'ditutup', hours: 5 },
		{ at: '2026-09-01T03:00:00Z', rt: 1, category: 'security', status: 'dikerjakan', private: true },
		{ at: '2026-08-01T03:00:00Z', rt: 1, category: 'drainage', status: 'selesai', hours: 30 },
		// 1 January 2026 07:00 WIB: the window's first month.
		{ at: '2026-01-01T00:00:00Z', rt: 0, category: 'noise', status: 'baru' },
		// 31 December 2025 23:59 WIB: before the window.
		{ at: '2025-12-31T16:59:00Z', rt: 0, category: 'drainage', status: 'selesai', hours: 1, rating: 1 },
		// Hidden by moderation, and another RW's: never counted.
		{ at: '2026-11-15T03:00:00Z', rt: 0, category: 'drainage', status: 'selesai', hours: 100, rating: 1, hidden: true },
		{ at: '2026-11-15T03:00:00Z', rt: 0, category: 'drainage', status: 'selesai', hours: 100, rating: 1, rw: other }
	];
	for (const r of rows) await add(r);
});
afterAll(async () => {
	await db?.close();
});

const MONTHS = ['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11', '2026-12'];

describe('complaint statistics', () => {
	it('for the RW admin: the whole RW, 12 WIB months, the median by interpolation, fixed vs closed, the mean rating', async () => {
		expect(await complaintStats(db, admin, TEST_NOW)).toEqual({
			months: MONTHS,
			perMonth: [1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 1],
			perCategory: [
				{ name: 'Saluran air / got tersumbat', name_en: 'Blocked drain', count: 3 },
				{ name: 'Lampu jalan mati', name_en: 'Street light out', count: 1 },
				{ name: 'Sampah', name_en: 'Rubbish', count: 1 },
				{ name: 'Jalan / fasilitas rusak', name_en: 'Damaged road / facilities', count: 0 },
				{ name: 'Kebisingan / gangguan', name_en: 'Noise / disturbance', count: 1 },
				{ name: 'Keamanan', name_en: 'Security', count: 1 },
				{ name: 'Lainnya', name_en: 'Other', count: 0 }
			],
			perRt: [
				{ number: 1, name: 'RT 1', count: 3 },
				{ number: 2, name: 'RT 2', count: 4 }
			],
			total: 7,
			// Fixed after 10, 20, 30 and 40 hours: the median lies between 20 and 30.
			medianHoursToFixed: 25,
			fixed: 4,
			closed: 1,
			open: 2,
			fixedShare: 0.8,
			rating: 3.67,
			ratings: 3
		});
	});

	it('for an RT head: their RT only', async () => {
		expect(await complaintStats(db, head1, TEST_NOW)).toMatchObject({
			perMonth: [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1],
			perRt: [{ number: 1, name: 'RT 1', count: 3 }],
			total: 3,
			medianHoursToFixed: 15,
			fixed: 2,
			closed: 0,
			open: 1,
			fixedShare: 1,
			rating: 4.5,
			ratings: 2
		});
	});

	it('for a resident (even the reporter of them all) and another RW: nothing', async () => {
		expect(await complaintStats(db, resident, TEST_NOW)).toMatchObject({ total: 0, perRt: [], perMonth: Array(12).fill(0), medianHoursToFixed: null, fixedShare: null, rating: null });
		expect(await complaintStats(db, otherAdmin, TEST_NOW)).toMatchObject({ total: 1, perRt: [{ number: 1, count: 1 }] });
	});

	it('moves with the clock: a month later the window drops January', async () => {
		const stats = await complaintStats(db, admin, new Date('2027-01-01T03:00:00Z'));
		expect(stats.months[0]).toBe('2026-02');
		expect(stats.months.at(-1)).toBe('2027-01');
		expect(stats.total).toBe(6);
	});
});
