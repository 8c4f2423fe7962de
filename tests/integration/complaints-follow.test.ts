import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionUser } from '../../src/lib/server/auth/sessions';
import { withUser } from '../../src/lib/server/db/with-user';
import type { Database } from '../../src/lib/server/db/types';
import type { LocalFileStore } from '../../src/lib/server/storage/files';
import { changeStatus, report, support, withdrawnFrom, type ReportInput } from '../../src/lib/server/complaints/service';
import { announceToFollowers, followOptions, setFollows } from '../../src/lib/server/complaints/follow';
import { hide, unhide } from '../../src/lib/server/complaints/moderation';
import { markAllRead } from '../../src/lib/server/notifications';
import { PushSender } from '../../src/lib/server/push/sender';
import { loadVapidKeys } from '../../src/lib/server/push/vapid';
import { setPreferences, subscribe } from '../../src/lib/server/push/subscriptions';
import { DEFAULT_PREFERENCES } from '../../src/lib/domain/push';
import { complaintInput, complaintsWorld, HOME, type ComplaintsWorld } from '../factories/complaints';
import { TEST_NOW } from '../factories/clock';
import { startPushEndpoint, type PushEndpoint } from '../factories/push-endpoint';
import { makeMember, type TestRw } from '../factories/tenancy';

/**
 * Following an area for new complaints (docs/complaints.md "Following an area"):
 * who may follow what (RLS), who is told of a new report and who never is (private,
 * security, hidden, the reporter), once per complaint, in the step's transaction; a
 * flood of reports coalesced into one notification per follower and area per
 * 10 minutes on a fixed clock; and the push it rides on, with its own preference.
 */
let world: ComplaintsWorld;
let db: Database;
let files: LocalFileStore;
let rwA: TestRw;
let rwB: TestRw;
type Member = Awaited<ReturnType<typeof makeMember>>;
let reporter: Member, rtFan: Member, rwFan: Member, head: Member, quiet: Member, rt2Fan: Member, outsider: Member;
let drain: string, security: string;

const MIN = 60_000;
const north = (m: number) => ({ lat: String(HOME.lat + m / 111_195), lng: String(HOME.lng) });
const IN_RT1 = north(0);

let counter = 0;
const input = (over: Partial<ReportInput> = {}): ReportInput => complaintInput(drain, { title: `Got mampet nomor ${++counter}`, ...IN_RT1, ...over });

async function file(over: Partial<ReportInput> = {}, at = TEST_NOW): Promise<string> {
	const filed = await report(db, files, reporter, input(over), [], at);
	if (!filed.ok) throw new Error(`not filed: ${JSON.stringify(filed)}`);
	return filed.id;
}

/** The area notifications a user has, oldest first. */
async function areaNotes(user: SessionUser) {
	return db.query<{ id: number; kind: string; params: Record<string, string | number>; link: string; read_at: string | null }>(
		`select id::int, kind, params, link, read_at from notification where user_id = $1 and kind like 'complaint.area%' order by id`,
		[user.id]
	);
}

async function areaNotesAbout(complaintId: string) {
	return db.query<{ user_id: string }>(`select user_id from notification where kind = 'complaint.area_new' and link = $1`, [`/pengaduan/${complaintId}`]);
}

beforeAll(async () => {
	world = await complaintsWorld();
	({ db, files, rwA, rwB } = world);
	reporter = await makeMember(db, rwA, 'resident', { houseId: rwA.houses[0]!.id });
	rtFan = await makeMember(db, rwA, 'resident', { houseId: rwA.houses[1]!.id });
	rwFan = await makeMember(db, rwA, 'resident', { houseId: rwA.houses[2]!.id });
	quiet = await makeMember(db, rwA, 'resident', { houseId: rwA.houses[1]!.id });
	rt2Fan = await makeMember(db, rwA, 'resident', { houseId: rwA.houses[3]!.id });
	head = await makeMember(db, rwA, 'rt_head', { rtIndex: 0 });
	outsider = await makeMember(db, rwB, 'resident', { houseId: rwB.houses[0]!.id });
	drain = await world.category('drainage');
	security = await world.category('security');
});
afterAll(() => world?.close());

describe('who may follow what', () => {
	it('a member follows their own RT and the whole RW', async () => {
		expect(await setFollows(db, rtFan, [rwA.rts[0]!.id, 'rw'])).toEqual({ ok: true });
		expect(await followOptions(db, rtFan)).toEqual([
			{ rtId: rwA.rts[0]!.id, area: 'RT 1', followed: true },
			{ rtId: null, area: `RW ${rwA.code}`, followed: true }
		]);
		expect(await setFollows(db, rwFan, ['rw'])).toEqual({ ok: true });
		expect(await setFollows(db, rt2Fan, [rwA.rts[1]!.id])).toEqual({ ok: true });
		expect(await setFollows(db, head, [rwA.rts[0]!.id])).toEqual({ ok: true });
		expect(await setFollows(db, outsider, ['rw'])).toEqual({ ok: true });
	});

	it('not another RT, not another RW: the choice is refused whole and nothing changes', async () => {
		expect(await setFollows(db, rwFan, ['rw', rwA.rts[0]!.id])).toEqual({ ok: false, errors: { areas: 'follow.error.area' } });
		expect((await followOptions(db, rwFan)).filter((o) => o.followed)).toEqual([{ rtId: null, area: `RW ${rwA.code}`, followed: true }]);
		// The database refuses the same, whatever the server would send.
		const as = (u: Member) => <T>(sql: string, params: unknown[]) => withUser(db, { sub: u.id, rw_id: u.rwId }, (tx) => tx.query<T>(sql, params));
		await expect(as(rwFan)('insert into complaint_follow (rw_id, user_id, rt_id) values ($1, $2, $3)', [rwA.id, rwFan.id, rwA.rts[0]!.id])).rejects.toThrow(/row-level security/);
		await expect(as(rwFan)('insert into complaint_follow (rw_id, user_id, rt_id) values ($1, $2, null)', [rwB.id, rwFan.id])).rejects.toThrow(/row-level security/);
		await expect(as(rwFan)('insert into complaint_follow (rw_id, user_id, rt_id) values ($1, $2, null)', [rwA.id, quiet.id])).rejects.toThrow(/row-level security/);
		await expect(as(rwFan)('update complaint_follow set notice_count = 99 where user_id = $1', [rwFan.id])).rejects.toThrow(/permission denied/);
		// One's own follows only: another's are neither read nor removed.
		expect(await as(rwFan)('select user_id from complaint_follow', [])).toEqual([{ user_id: rwFan.id }]);
		expect(await as(rwFan)('delete from complaint_follow where user_id = $1 returning 1', [rtFan.id])).toEqual([]);
		expect(await db.query('select 1 from complaint_follow where user_id = $1', [rtFan.id])).toHaveLength(2);
	});

	it('unfollowing removes the follow', async () => {
		expect(await setFollows(db, quiet, ['rw'])).toEqual({ ok: true });
		expect(await setFollows(db, quiet, [])).toEqual({ ok: true });
		expect((await followOptions(db, quiet)).some((o) => o.followed)).toBe(false);
	});
});

describe('a new public report', () => {
	it('tells each follower of its RT or RW once; not the reporter, not staff told already, nobody else', async () => {
		await setFollows(db, reporter, ['rw']);
		const id = await file();
		const told = await db.query<{ user_id: string; params: { area: string; title: string } }>(
			`select user_id, params from notification where kind = 'complaint.area_new' and link = $1`,
			[`/pengaduan/${id}`]
		);
		const byUser = new Map(told.map((n) => [n.user_id, n.params]));
		// rtFan follows both RT 1 and the RW: one notification, through the RT.
		expect(byUser.get(rtFan.id)).toEqual({ area: 'RT 1', title: `Got mampet nomor ${counter}` });
		expect(byUser.get(rwFan.id)).toEqual({ area: `RW ${rwA.code}`, title: `Got mampet nomor ${counter}` });
		expect(told).toHaveLength(2); // not the reporter, the RT head (told by complaint.new), RT 2's follower, another RW
		const staff = await db.query('select kind from notification where user_id = $1 and link = $2', [head.id, `/pengaduan/${id}`]);
		expect(staff).toEqual([{ kind: 'complaint.new' }]);
	});

	it('never tells of a private report, nor of a security report', async () => {
		const hidden = await file({ private: true }, new Date(TEST_NOW.getTime() + 60 * MIN));
		const sec = await file({ categoryId: security }, new Date(TEST_NOW.getTime() + 61 * MIN));
		expect(await areaNotesAbout(hidden)).toEqual([]);
		expect(await areaNotesAbout(sec)).toEqual([]);
	});

	it('is written in the step’s transaction: a rolled-back step tells nobody and can be announced later', async () => {
		const id = await file({ private: true }, new Date(TEST_NOW.getTime() + 62 * MIN));
		await db.query('update complaint set is_public = true where id = $1', [id]);
		const asHead = (fn: (tx: Parameters<Parameters<typeof withUser>[2]>[0]) => Promise<unknown>) => withUser(db, { sub: head.id, rw_id: head.rwId }, fn);
		await expect(
			asHead(async (tx) => {
				await announceToFollowers(tx, id, new Date(TEST_NOW.getTime() + 63 * MIN));
				throw new Error('the step fails after');
			})
		).rejects.toThrow(/fails after/);
		expect(await areaNotesAbout(id)).toEqual([]);
		await asHead((tx) => announceToFollowers(tx, id, new Date(TEST_NOW.getTime() + 63 * MIN)));
		expect((await areaNotesAbout(id)).map((n) => n.user_id).sort()).toEqual([rtFan.id, rwFan.id].sort());
	});
});

describe('a report made public later (moderation)', () => {
	it('is told when public and shown, by staff of its reach, once; never while hidden, never a security one', async () => {
		const at = new Date(TEST_NOW.getTime() + 120 * MIN);
		const id = await file({ private: true }, at);
		const sec = await file({ categoryId: security }, at);
		const announce = (u: Member, cid: string) => withUser(db, { sub: u.id, rw_id: u.rwId }, (tx) => announceToFollowers(tx, cid, at));
		// Public but hidden: nothing.
		await db.query("update complaint set is_public = true, hidden = true, hidden_reason = 'Data pribadi' where id = $1", [id]);
		await announce(head, id);
		expect(await areaNotesAbout(id)).toEqual([]);
		// Shown: a neighbour who is neither its reporter nor staff cannot announce it.
		await db.query('update complaint set hidden = false, hidden_reason = null where id = $1', [id]);
		await announce(quiet, id);
		expect(await areaNotesAbout(id)).toEqual([]);
		await announce(head, id);
		expect(await areaNotesAbout(id)).toHaveLength(2);
		await announce(head, id); // once
		expect(await areaNotesAbout(id)).toHaveLength(2);
		// A security report stays untold even if staff make it public.
		await db.query('update complaint set is_public = true where id = $1', [sec]);
		await announce(head, sec);
		expect(await areaNotesAbout(sec)).toEqual([]);
	});

	it('is told when staff show a hidden public report again, in the moderation step itself', async () => {
		const at = new Date(TEST_NOW.getTime() + 150 * MIN);
		const id = await file({ private: true }, at);
		await db.query("update complaint set is_public = true, hidden = true, hidden_reason = 'Data pribadi' where id = $1", [id]);
		expect(await areaNotesAbout(id)).toEqual([]);
		expect(await unhide(db, head, id, 'Sudah disunting', at)).toEqual({ ok: true });
		expect(await areaNotesAbout(id)).toHaveLength(2);
	});
});

describe('a flood of reports (fixed clock)', () => {
	it('50 reports in 5 minutes give each follower one notification per area counting them, unread again; the next window a new one', async () => {
		const T1 = new Date(TEST_NOW.getTime() + 24 * 60 * MIN);
		const before = new Map<string, number>();
		for (const u of [rtFan, rwFan, rt2Fan]) before.set(u.id, (await areaNotes(u)).length);
		const ids: string[] = [];
		for (let i = 0; i < 50; i++) {
			ids.push(await file({}, new Date(T1.getTime() + i * 6000)));
			if (i === 0) await markAllRead(db, rtFan);
		}
		const fresh = async (u: Member) => (await areaNotes(u)).slice(before.get(u.id));
		expect(await fresh(rtFan)).toEqual([{ id: expect.any(Number), kind: 'complaint.area_many', params: { count: 50, area: 'RT 1' }, link: '/pengaduan', read_at: null }]);
		expect(await fresh(rwFan)).toEqual([expect.objectContaining({ kind: 'complaint.area_many', params: { count: 50, area: `RW ${rwA.code}` } })]);
		expect(await fresh(rt2Fan)).toEqual([]);
		// One of them announced again (made private and public again by staff) counts once only.
		await withUser(db, { sub: head.id, rw_id: head.rwId }, (tx) => announceToFollowers(tx, ids[10]!, new Date(T1.getTime() + 5 * MIN)));
		expect(await fresh(rtFan)).toEqual([expect.objectContaining({ params: { count: 50, area: 'RT 1' } })]);
		// Still inside the window (opened at T1): counted on the same notification.
		await file({}, new Date(T1.getTime() + 10 * MIN - 1));
		expect(await fresh(rtFan)).toEqual([expect.objectContaining({ params: { count: 51, area: 'RT 1' } })]);
		// Ten minutes after it opened: a new window, a new notification.
		const next = await file({}, new Date(T1.getTime() + 10 * MIN));
		expect((await fresh(rtFan)).map((n) => [n.kind, n.link])).toEqual([
			['complaint.area_many', '/pengaduan'],
			['complaint.area_new', `/pengaduan/${next}`]
		]);
	});
});

describe('reports at the same moment', () => {
	// PGlite has one session, so two transactions never overlap there: the race is PostgreSQL's.
	it.runIf(process.env.DATABASE_URL)('count on one notification per follower: the second waits for the first and sees its window', async () => {
		const T3 = new Date(TEST_NOW.getTime() + 2 * 24 * 60 * MIN);
		const before = (await areaNotes(rtFan)).length;
		const [x, y] = [await file({ private: true }, T3), await file({ private: true }, T3)];
		await db.query('update complaint set is_public = true where id = any($1::uuid[])', [[x, y]]);
		const asHead = (fn: (tx: Parameters<Parameters<typeof withUser>[2]>[0]) => Promise<unknown>) => withUser(db, { sub: head.id, rw_id: head.rwId }, fn);
		let release!: () => void;
		const held = new Promise<void>((r) => (release = r));
		let announced!: () => void;
		const first = new Promise<void>((r) => (announced = r));
		// A announces x and keeps its transaction open; B announces y meanwhile.
		const a = asHead(async (tx) => {
			await announceToFollowers(tx, x, T3);
			announced();
			await held;
		});
		await first;
		const b = asHead((tx) => announceToFollowers(tx, y, new Date(T3.getTime() + 1000)));
		// B is waiting on a lock held by A (observed, not slept on), then A commits.
		await expect.poll(async () => (await db.query<{ n: number }>(`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`))[0]!.n, { timeout: 10_000 }).toBe(1);
		release();
		await Promise.all([a, b]);
		const fresh = (await areaNotes(rtFan)).slice(before);
		expect(fresh).toEqual([expect.objectContaining({ kind: 'complaint.area_many', params: { count: 2, area: 'RT 1' } })]);
	});
});

describe('a report hidden after it was announced', () => {
	// Between the flood's and the push's days (the windows follow the clock forward).
	const HOUR = 60 * MIN;
	const titleOf = async (id: string) => (await db.query<{ title: string }>('select title from complaint where id = $1', [id]))[0]!.title;
	const latest = async (u: Member) => (await areaNotes(u)).at(-1);
	const asHead = (fn: (tx: Parameters<Parameters<typeof withUser>[2]>[0]) => Promise<unknown>) => withUser(db, { sub: head.id, rw_id: head.rwId }, fn);

	it('is taken back from the followers in the hiding step; a failed step takes nothing; shown again, it is announced afresh', async () => {
		const at = new Date(TEST_NOW.getTime() + 50 * HOUR);
		const id = await file({}, at);
		expect((await areaNotesAbout(id)).map((n) => n.user_id).sort()).toEqual([rtFan.id, rwFan.id].sort());
		// A hide that fails after its update takes nothing back (the same transaction).
		await expect(
			asHead(async (tx) => {
				await tx.query(`update complaint set hidden = true, hidden_reason = 'Data pribadi' where id = $1`, [id]);
				throw new Error('the step fails after');
			})
		).rejects.toThrow(/fails after/);
		expect(await areaNotesAbout(id)).toHaveLength(2);
		expect(await hide(db, head, id, 'Data pribadi warga', at)).toEqual({ ok: true });
		expect(await areaNotesAbout(id)).toEqual([]);
		expect(await db.query(`select 1 from notification where link = $1 and kind like 'complaint.area%'`, [`/pengaduan/${id}`])).toEqual([]);
		// The reporter is still told of the hiding.
		expect(await db.query('select kind from notification where user_id = $1 and link = $2 order by id', [reporter.id, `/pengaduan/${id}`])).toContainEqual({ kind: 'complaint.hidden' });
		expect(await unhide(db, head, id, 'Sudah diperiksa', new Date(at.getTime() + MIN))).toEqual({ ok: true });
		expect((await areaNotesAbout(id)).map((n) => n.user_id).sort()).toEqual([rtFan.id, rwFan.id].sort());
	});

	it('a supporter told of it hears "no longer shown"; a follower whose notice was taken back, and anyone else, "not found"', async () => {
		const at = new Date(TEST_NOW.getTime() + 51 * HOUR);
		const id = await file({}, at);
		expect(await support(db, quiet, id)).toBe(true);
		expect(await changeStatus(db, head, id, { to: 'diterima', note: '', closedReason: '', forwardUrl: '', duplicateOf: '' }, at)).toMatchObject({ ok: true });
		expect(await db.query('select kind from notification where user_id = $1 and link = $2', [quiet.id, `/pengaduan/${id}`])).toEqual([{ kind: 'complaint.diterima' }]);
		expect(await hide(db, head, id, 'Data pribadi warga', at)).toEqual({ ok: true });
		expect(await withdrawnFrom(db, quiet, id)).toBe(true);
		// Told by the notification alone (the "me too" withdrawn): still "no longer shown".
		await withUser(db, { sub: quiet.id, rw_id: quiet.rwId }, (tx) => tx.query('delete from complaint_supporter where complaint_id = $1', [id]));
		expect(await withdrawnFrom(db, quiet, id)).toBe(true);
		for (const other of [rtFan, rwFan, outsider]) expect(await withdrawnFrom(db, other, id)).toBe(false);
	});

	it('made private by staff after it was announced: taken back as well', async () => {
		const id = await file({}, new Date(TEST_NOW.getTime() + 52 * HOUR));
		expect(await areaNotesAbout(id)).toHaveLength(2);
		await asHead((tx) => tx.query('update complaint set is_public = false where id = $1', [id]));
		expect(await areaNotesAbout(id)).toEqual([]);
	});

	it('a coalesced notification counts it no more: one less, the one left named, removed with the last', async () => {
		const T = new Date(TEST_NOW.getTime() + 54 * HOUR);
		const at = (m: number) => new Date(T.getTime() + m * MIN);
		const [a, b, c] = [await file({}, at(0)), await file({}, at(1)), await file({}, at(2))];
		expect(await latest(rtFan)).toMatchObject({ kind: 'complaint.area_many', params: { count: 3, area: 'RT 1' }, link: '/pengaduan' });
		await markAllRead(db, rtFan);
		const noteId = (await latest(rtFan))!.id;
		expect(await hide(db, head, a, 'Data pribadi warga', at(3))).toEqual({ ok: true });
		// One less, the same notification; taking one back is no news (it stays read).
		expect(await latest(rtFan)).toMatchObject({ id: noteId, kind: 'complaint.area_many', params: { count: 2, area: 'RT 1' }, link: '/pengaduan', read_at: expect.anything() });
		expect(await latest(rwFan)).toMatchObject({ kind: 'complaint.area_many', params: { count: 2, area: `RW ${rwA.code}` } });
		expect(await hide(db, head, b, 'Data pribadi warga', at(4))).toEqual({ ok: true });
		// One left: named, linked to it.
		expect(await latest(rtFan)).toMatchObject({ id: noteId, kind: 'complaint.area_new', params: { area: 'RT 1', title: await titleOf(c) }, link: `/pengaduan/${c}` });
		// The window goes on counting from there.
		const d = await file({}, at(5));
		expect(await latest(rtFan)).toMatchObject({ id: noteId, kind: 'complaint.area_many', params: { count: 2, area: 'RT 1' }, link: '/pengaduan' });
		expect(await hide(db, head, c, 'Data pribadi warga', at(6))).toEqual({ ok: true });
		expect(await hide(db, head, d, 'Data pribadi warga', at(6))).toEqual({ ok: true });
		expect((await areaNotes(rtFan)).some((n) => n.id === noteId)).toBe(false);
		// Removed with its last report: the next report opens a new window.
		const e = await file({}, at(7));
		expect(await latest(rtFan)).toMatchObject({ kind: 'complaint.area_new', link: `/pengaduan/${e}`, params: { area: 'RT 1', title: await titleOf(e) } });
	});

	// PGlite has one session, so two transactions never overlap there: the race is PostgreSQL's.
	it.runIf(process.env.DATABASE_URL)('hidden while another report is counted on the same notification: the hide waits, then counts it out', async () => {
		const T = new Date(TEST_NOW.getTime() + 58 * HOUR);
		const x = await file({}, T);
		const y = await file({ private: true }, T);
		await db.query('update complaint set is_public = true where id = $1', [y]);
		let release!: () => void;
		const held = new Promise<void>((r) => (release = r));
		let announced!: () => void;
		const first = new Promise<void>((r) => (announced = r));
		// A counts y on the window x opened and keeps its transaction open; the RT head hides x meanwhile.
		const a = asHead(async (tx) => {
			await announceToFollowers(tx, y, new Date(T.getTime() + 1000));
			announced();
			await held;
		});
		await first;
		const b = hide(db, head, x, 'Data pribadi warga', new Date(T.getTime() + 2000));
		await expect.poll(async () => (await db.query<{ n: number }>(`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`))[0]!.n, { timeout: 10_000 }).toBe(1);
		release();
		await Promise.all([a, b]);
		expect(await latest(rtFan)).toMatchObject({ kind: 'complaint.area_new', params: { area: 'RT 1', title: await titleOf(y) }, link: `/pengaduan/${y}` });
	});

	it.runIf(process.env.DATABASE_URL)('a report counted while a hide is taking the notification away waits, then opens a new one', async () => {
		const T = new Date(TEST_NOW.getTime() + 62 * HOUR);
		const x = await file({}, T);
		let release!: () => void;
		const held = new Promise<void>((r) => (release = r));
		let hidden!: () => void;
		const first = new Promise<void>((r) => (hidden = r));
		// The RT head hides x (its only report) and keeps the transaction open; a new report comes meanwhile.
		const a = asHead(async (tx) => {
			await tx.query(`update complaint set hidden = true, hidden_reason = 'Data pribadi' where id = $1`, [x]);
			hidden();
			await held;
		});
		await first;
		const b = file({}, new Date(T.getTime() + 1000));
		await expect.poll(async () => (await db.query<{ n: number }>(`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`))[0]!.n, { timeout: 10_000 }).toBe(1);
		release();
		const [, y] = await Promise.all([a, b]);
		expect(await areaNotesAbout(x)).toEqual([]);
		expect(await latest(rtFan)).toMatchObject({ kind: 'complaint.area_new', params: { area: 'RT 1', title: await titleOf(y) }, link: `/pengaduan/${y}` });
	});
});

describe('push', () => {
	let endpoint: PushEndpoint;
	let pushDir: string;
	let sender: PushSender;
	beforeAll(async () => {
		endpoint = await startPushEndpoint();
		pushDir = await mkdtemp(path.join(tmpdir(), 'follow-push-'));
		// The notifications of the tests above are not this test's to push.
		await db.query('update notification set push_due_at = null');
		sender = new PushSender({ db, vapid: await loadVapidKeys({ dataDir: pushDir }), ca: endpoint.ca, sweepMs: 60_000, backoff: () => 0 });
		sender.start();
	});
	afterAll(async () => {
		await sender?.close();
		await endpoint?.close();
		if (pushDir) await rm(pushDir, { recursive: true, force: true });
	});

	it('pushes the first report of a window once, as its own category that the follower may switch off', async () => {
		const fan = endpoint.subscription();
		const off = endpoint.subscription();
		await subscribe(db, rtFan, { endpoint: fan.endpoint, keys: fan.keys }, 'Android Chrome');
		await subscribe(db, rwFan, { endpoint: off.endpoint, keys: off.keys }, 'Android Chrome');
		await setPreferences(db, rwFan, { ...DEFAULT_PREFERENCES, area: false });
		const T2 = new Date(TEST_NOW.getTime() + 3 * 24 * 60 * MIN);
		await file({ title: 'Lampu jalan mati di gang 3' }, T2);
		const [first] = await endpoint.waitFor(1, (r) => r.subscriptionId === fan.id);
		expect(first!.payload).toMatchObject({ title: 'Pengaduan di lingkungan', body: 'Pengaduan baru di RT 1: Lampu jalan mati di gang 3' });
		for (let i = 1; i < 10; i++) await file({}, new Date(T2.getTime() + i * 10_000));
		// A later notification of another kind: once it arrives, everything before it was sent.
		await withUser(db, { sub: head.id, rw_id: head.rwId }, async (tx) => {
			const { notify } = await import('../../src/lib/server/notifications');
			await notify(tx, rwA.id, [rtFan.id, rwFan.id], 'announcement.posted', { title: 'Kerja bakti' }, '/pengumuman');
		});
		await endpoint.waitFor(1, (r) => r.subscriptionId === off.id);
		await endpoint.waitFor(2, (r) => r.subscriptionId === fan.id);
		await sender.idle();
		const titles = (id: string) => endpoint.received.filter((r) => r.subscriptionId === id).map((r) => r.payload?.title);
		expect(titles(fan.id)).toEqual(['Pengaduan di lingkungan', 'Pengumuman']);
		expect(titles(off.id)).toEqual(['Pengumuman']);
		// In-app, the switched-off follower still has it, counting all ten.
		expect((await areaNotes(rwFan)).at(-1)).toMatchObject({ kind: 'complaint.area_many', params: { count: 10 } });
	});
});
