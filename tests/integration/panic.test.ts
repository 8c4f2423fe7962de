import mqtt from 'mqtt';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PanicAlertMessage } from '../../src/lib/views/alerts';
import type { Database } from '../../src/lib/server/db/types';
import { openPostgresThread } from '../../src/lib/server/db/postgres-thread';
import { withUser } from '../../src/lib/server/db/with-user';
import { createDevice } from '../../src/lib/server/devices/devices';
import { CommittedEvents } from '../../src/lib/server/events/committed';
import { Ingest } from '../../src/lib/server/ingest/ingest';
import { writePanics } from '../../src/lib/server/ingest/writer';
import { startBroker, type BrokerHandle } from '../../src/lib/server/mqtt/broker';
import { brokerHooks } from '../../src/lib/server/mqtt/hooks';
import { getIncident, listOpenIncidents } from '../../src/lib/server/panic/queries';
import { PanicService } from '../../src/lib/server/panic/service';
import { pressSchema } from '../../src/lib/schemas/panic';
import { TEST_NOW } from '../factories/clock';
import { freshDatabase } from '../factories/db';
import { makeMember, makeRw, type TestRw } from '../factories/tenancy';

// Panic incidents on the real database and broker: a button's press becomes one
// incident in the ingest's transaction; a phone's retries make one; steps follow the
// lifecycle (and the database refuses the rest); escalation happens once and survives
// a restart; each member sees what Row Level Security lets them see.
let db: Database;
let rw: TestRw;
let broker: BrokerHandle;
let ingest: Ingest;
let clock = TEST_NOW.getTime();
const published: PanicAlertMessage[] = [];
const onPublished: (() => void)[] = [];
/** Resolves when a published message matches (the service publishes after its commit). */
const publishedWhen = (match: (m: PanicAlertMessage) => boolean) =>
	new Promise<PanicAlertMessage>((resolve) => {
		const check = () => {
			const found = published.find(match);
			if (!found) return false;
			resolve(found);
			return true;
		};
		if (!check()) onPublished.push(() => void check());
	});
const services: PanicService[] = [];
const clients: mqtt.MqttClient[] = [];
let resident: Awaited<ReturnType<typeof makeMember>>;
let neighbour: Awaited<ReturnType<typeof makeMember>>;
let officer: Awaited<ReturnType<typeof makeMember>>;
let admin: Awaited<ReturnType<typeof makeMember>>;
let headRt1: Awaited<ReturnType<typeof makeMember>>;
let headRt2: Awaited<ReturnType<typeof makeMember>>;
let buttonSecret = '';

function service(events = ingest.events, database: Database = db): PanicService {
	const s = new PanicService({
		db: database,
		events,
		publish: async (_topic, payload) => {
			published.push(JSON.parse(payload) as PanicAlertMessage);
			for (const listener of onPublished) listener();
		},
		escalateS: 60,
		now: () => new Date(clock),
		tickMs: 3600_000,
		log: () => {}
	});
	services.push(s);
	return s;
}

const press = (key: string, extra: Record<string, unknown> = {}) => pressSchema.parse({ key, ...extra });
const notes = (userId: string, kind: string) =>
	db.query<{ n: number }>('select count(*)::int as n from notification where user_id = $1 and kind = $2', [userId, kind]).then((r) => r[0]!.n);

beforeAll(async () => {
	db = await freshDatabase();
	rw = await makeRw(db, 2, 2);
	resident = await makeMember(db, rw, 'resident', { houseId: rw.houses[0]!.id });
	neighbour = await makeMember(db, rw, 'resident', { houseId: rw.houses[2]!.id });
	officer = await makeMember(db, rw, 'security_officer', { name: 'Pak Satpam' });
	admin = await makeMember(db, rw, 'rw_admin');
	headRt1 = await makeMember(db, rw, 'rt_head', { rtIndex: 0 });
	headRt2 = await makeMember(db, rw, 'rt_head', { rtIndex: 1 });
	const button = await createDevice(db, admin, { id: 'p-pb-01', kind: 'panic', name: 'Tombol pos', rtId: rw.rts[1]!.id, lat: -6.1, lng: 106.9, reportIntervalS: 60, mountingHeightCm: null, maxRangeCm: 400, siaga3Cm: null, siaga2Cm: null, siaga1Cm: null });
	if (!button.ok) throw new Error(button.reason);
	buttonSecret = button.secret;
	await db.query('update device set house_id = $2 where id = $1', ['p-pb-01', rw.houses[2]!.id]);
	ingest = new Ingest(db, { log: () => {} });
	broker = await startBroker({ port: 0, host: '127.0.0.1', allowAnonymous: false, hooks: brokerHooks({ db, ingest, allowAnonymous: false, tokenKey: randomBytes(32) }) });
});

afterAll(async () => {
	for (const s of services) await s.close();
	for (const c of clients) c.end(true);
	await broker?.close();
	await db?.close();
});

describe('a panic button', () => {
	it('makes one incident per press, tied to its house, even when the press comes again', async () => {
		const s = service();
		await s.start();
		const client = mqtt.connect(`mqtt://127.0.0.1:${broker.tcpPort}`, { clientId: 'p-pb-01', username: 'p-pb-01', password: buttonSecret, reconnectPeriod: 0 });
		clients.push(client);
		await new Promise((resolve, reject) => (client.once('connect', resolve), client.once('error', reject)));
		const body = JSON.stringify({ ts: new Date().toISOString(), seq: 7, boot: 1 });
		await client.publishAsync(`rw/${rw.code}/panic/p-pb-01`, body, { qos: 1 });
		// The PUBACK came after the commit: the incident is there already.
		const rows = await db.query<{ id: string; house_id: string; rt_id: string; place_label: string; source: string }>(
			'select id, house_id, rt_id, place_label, source from panic_incident where device_id = $1',
			['p-pb-01']
		);
		expect(rows).toHaveLength(1);
		expect(rows[0]).toMatchObject({ house_id: rw.houses[2]!.id, rt_id: rw.houses[2]!.rtId, source: 'device' });
		expect(rows[0]!.place_label).toMatch(/^Tombol pos · A \d$/);
		await client.publishAsync(`rw/${rw.code}/panic/p-pb-01`, body, { qos: 1 });
		expect(await db.query('select id from panic_incident where device_id = $1', ['p-pb-01'])).toHaveLength(1);
		// Announced by the service after the ingest's commit (its committed 'panics' event).
		await publishedWhen((m) => m.incident.id === rows[0]!.id && m.incident.state === 'triggered');
		// Told once to the officer and the RW admin, published to the dashboards.
		expect(await notes(officer.id, 'panic.triggered')).toBe(1);
		expect(await notes(admin.id, 'panic.triggered')).toBe(1);
		expect(await s.announceDevicePresses()).toEqual([]);
		expect(published.some((m) => m.incident.id === rows[0]!.id && m.incident.state === 'triggered')).toBe(true);
		await s.close();
	});

	it('has its incident even when the process stopped right after the commit, and is announced at the next start', async () => {
		// Stored with no service listening (the process died before it could react).
		const events = new CommittedEvents();
		await db.transaction((tx) => writePanics(tx, [{ deviceId: 'p-pb-01', rwId: rw.id, boot: 1, seq: 8, ts: new Date(), clockSkew: false }]));
		const [incident] = await db.query<{ id: string; announced_at: Date | null }>(
			`select i.id, i.announced_at from panic_incident i join panic_event e on e.id = i.panic_event_id where e.seq = 8`
		);
		expect(incident?.announced_at).toBeNull();
		const before = await notes(officer.id, 'panic.triggered');
		await service(events).start();
		expect(await notes(officer.id, 'panic.triggered')).toBe(before + 1);
	});
});

describe('a press from the phone', () => {
	it('is one incident however often the phone retries it, also at once', async () => {
		const s = service(new CommittedEvents());
		const first = await s.press(resident, press('key-retry-0001', { category: 'medis', lat: -6.2, lng: 106.8, accuracy: 12 }));
		expect(first).toMatchObject({ ok: true, created: true });
		const again = await Promise.all(Array.from({ length: 6 }, () => s.press(resident, press('key-retry-0001', { category: 'medis' }))));
		for (const r of again) expect(r).toEqual({ ok: true, id: first.ok && first.id, created: false });
		const parallel = await Promise.all(Array.from({ length: 6 }, () => s.press(resident, press('key-parallel-01'))));
		expect(new Set(parallel.map((r) => r.ok && r.id)).size).toBe(1);
		expect(await db.query(`select id from panic_incident where reporter_id = $1 and client_key in ('key-retry-0001', 'key-parallel-01')`, [resident.id])).toHaveLength(2);
		const view = await getIncident(db, { sub: resident.id, rw_id: rw.id }, first.ok ? first.id : '');
		expect(view).toMatchObject({ state: 'triggered', category: 'medis', lat: -6.2, lng: 106.8, reporterPhone: resident.phone });
		expect(view?.placeLabel).toMatch(/^A 1 · RT 001$/);
	});

	it('goes acknowledged → dispatched → resolved, each step with who and when; the reporter is told', async () => {
		const s = service(new CommittedEvents());
		clock += 3600_000;
		const r = await s.press(resident, press('key-lifecycle-1'));
		if (!r.ok) throw new Error('press refused');
		clock += 5_000;
		expect(await s.move(officer, r.id, 'dispatch', { note: null, officerId: officer.id })).toEqual({ ok: false, reason: 'illegal' });
		expect(await s.move(officer, r.id, 'acknowledge', { note: null })).toEqual({ ok: true, state: 'acknowledged' });
		expect(await s.move(admin, r.id, 'acknowledge', { note: null })).toEqual({ ok: false, reason: 'illegal' });
		expect(await s.move(officer, r.id, 'dispatch', { note: null, officerId: resident.id })).toEqual({ ok: false, reason: 'bad_officer' });
		expect(await s.move(officer, r.id, 'dispatch', { note: null, officerId: officer.id })).toEqual({ ok: true, state: 'dispatched' });
		expect(await s.move(resident, r.id, 'resolve', { note: 'x' })).toEqual({ ok: false, reason: 'forbidden' });
		expect(await s.move(officer, r.id, 'resolve', { note: 'Warga aman' })).toEqual({ ok: true, state: 'resolved' });
		const view = await getIncident(db, { sub: resident.id, rw_id: rw.id }, r.id);
		expect(view?.steps.map((st) => [st.step, st.byName])).toEqual([
			['triggered', resident.name],
			['acknowledged', 'Pak Satpam'],
			['dispatched', 'Pak Satpam'],
			['resolved', 'Pak Satpam']
		]);
		expect(view?.officerName).toBe('Pak Satpam');
		expect(view?.steps[3]!.note).toBe('Warga aman');
		expect(view?.acknowledgedAt).toBe(new Date(clock).toISOString());
		for (const kind of ['panic.acknowledged', 'panic.dispatched', 'panic.resolved']) expect(await notes(resident.id, kind)).toBeGreaterThan(0);
	});

	it('refuses an illegal step in the database too', async () => {
		const [row] = await db.query<{ id: string }>(`select id from panic_incident where state = 'resolved' limit 1`);
		await expect(db.query(`update panic_incident set state = 'triggered' where id = $1`, [row!.id])).rejects.toThrow(/may not go from resolved to triggered/);
		await expect(db.query(`update panic_incident set state = 'acknowledged' where id = $1`, [row!.id])).rejects.toThrow(/may not go/);
	});

	it('may be cancelled by its reporter within 10 seconds, and is kept', async () => {
		const s = service(new CommittedEvents());
		clock += 3600_000;
		const early = await s.press(resident, press('key-cancel-001'));
		const late = await s.press(resident, press('key-cancel-002'));
		if (!early.ok || !late.ok) throw new Error('press refused');
		expect(await s.move(neighbour, early.id, 'cancel', { note: null })).toEqual({ ok: false, reason: 'not_found' });
		clock += 10_000;
		expect(await s.move(resident, early.id, 'cancel', { note: null })).toEqual({ ok: true, state: 'cancelled' });
		clock += 1_000;
		expect(await s.move(resident, late.id, 'cancel', { note: null })).toEqual({ ok: false, reason: 'cancel_window' });
		expect((await getIncident(db, { sub: officer.id, rw_id: rw.id }, early.id))?.steps.map((st) => st.step)).toEqual(['triggered', 'cancelled']);
		// The reporter cannot move it another way by SQL either.
		await expect(
			withUser(db, { sub: resident.id, rw_id: rw.id }, (tx) => tx.query(`update panic_incident set state = 'acknowledged', acknowledged_at = now(), acknowledged_by = $2 where id = $1 returning id`, [late.id, resident.id]))
		).rejects.toThrow(/row-level security/);
	});

	it('is rate limited per resident, retries not counted', async () => {
		const s = service(new CommittedEvents());
		const results = [];
		for (let i = 0; i < 7; i++) results.push(await s.press(neighbour, press(`key-limit-${i}000`)));
		expect(results.filter((r) => r.ok)).toHaveLength(5);
		expect(results[5]).toMatchObject({ ok: false, reason: 'rate_limited' });
		// A retry of an earlier press still finds it.
		expect(await s.press(neighbour, press('key-limit-0000'))).toMatchObject({ ok: true, created: false });
	});
});

describe('escalation', () => {
	it('escalates an unacknowledged incident once, tells every officer and RW admin, and survives a restart', async () => {
		await db.query(`update panic_incident set state = 'cancelled', closed_at = now(), closed_by = reporter_id where state = 'triggered' and source = 'app'`);
		await db.query(`update panic_incident set escalated_at = now() where state = 'triggered' and escalated_at is null`);
		const s = service(new CommittedEvents());
		clock += 3600_000;
		const r = await s.press(resident, press('key-escalate-1'));
		if (!r.ok) throw new Error('press refused');
		const before = { officer: await notes(officer.id, 'panic.escalated'), admin: await notes(admin.id, 'panic.escalated') };
		clock += 59_000;
		expect(await s.escalateDue()).toEqual([]);
		clock += 1_000;
		// Stopped before it could check: the next start's sweep escalates.
		await s.close();
		const restarted = service(new CommittedEvents());
		await restarted.start();
		expect(await restarted.escalateDue()).toEqual([]);
		const view = await getIncident(db, { sub: officer.id, rw_id: rw.id }, r.id);
		expect(view?.escalatedAt).toBe(new Date(clock).toISOString());
		expect(view?.steps.filter((st) => st.step === 'escalated')).toHaveLength(1);
		expect(await notes(officer.id, 'panic.escalated')).toBe(before.officer + 1);
		expect(await notes(admin.id, 'panic.escalated')).toBe(before.admin + 1);
		expect(published.filter((m) => m.incident.id === r.id && m.incident.escalatedAt)).toHaveLength(1);
		// An acknowledged one never escalates.
		const acked = await restarted.press(resident, press('key-escalate-2'));
		if (!acked.ok) throw new Error('press refused');
		await restarted.move(officer, acked.id, 'acknowledge', { note: null });
		clock += 120_000;
		expect(await restarted.escalateDue()).toEqual([]);
	});

	it.runIf(!process.env.DATABASE_URL)('checks with one message when nothing is due: no transaction holds PGlite\'s session across main-thread round trips', async () => {
		const s = service(new CommittedEvents());
		await db.query(`update panic_incident set announced_at = coalesce(announced_at, now())`);
		await db.sessionStats!(true);
		expect(await s.escalateDue()).toEqual([]);
		expect(await s.announceDevicePresses()).toEqual([]);
		const stats = await db.sessionStats!(true);
		expect(Object.keys(stats.holds).filter((kind) => kind.endsWith(' transaction'))).toEqual([]);
		expect(Object.values(stats.holds).reduce((n, h) => n + h.count, 0)).toBe(2);
		await s.close();
	});
});

describe('who sees which incident', () => {
	it('shows residents their own, RT heads their RT, officers and the RW admin all', async () => {
		const ids = async (u: { id: string }) =>
			(await withUser(db, { sub: u.id, rw_id: rw.id }, (tx) => tx.query<{ id: string; reporter_id: string | null; rt_id: string | null }>('select id, reporter_id, rt_id from panic_incident')));
		const all = await db.query<{ id: string }>('select id from panic_incident');
		expect((await ids(officer)).length).toBe(all.length);
		expect((await ids(admin)).length).toBe(all.length);
		const own = await ids(resident);
		expect(own.length).toBeGreaterThan(0);
		expect(own.every((r) => r.reporter_id === resident.id)).toBe(true);
		const rt1 = await ids(headRt1);
		expect(rt1.length).toBeGreaterThan(0);
		expect(rt1.every((r) => r.rt_id === rw.rts[0]!.id)).toBe(true);
		expect((await ids(headRt2)).every((r) => r.rt_id === rw.rts[1]!.id)).toBe(true);
		const stranger = await makeMember(db, await makeRw(db, 1, 1), 'security_officer');
		expect(await withUser(db, { sub: stranger.id, rw_id: stranger.rwId }, (tx) => tx.query('select id from panic_incident'))).toEqual([]);
		expect(await listOpenIncidents(db, { sub: stranger.id, rw_id: stranger.rwId })).toEqual([]);
	});
});

describe.runIf(!!process.env.DATABASE_URL)('escalation with two instances on one PostgreSQL', () => {
	it('is recorded and announced once when both check at the same moment', async () => {
		const [{ name }] = (await db.query<{ name: string }>('select current_database() as name')) as [{ name: string }];
		const url = new URL(process.env.DATABASE_URL!);
		url.pathname = `/${name}`;
		const second = await openPostgresThread(url.toString());
		try {
			const a = service(new CommittedEvents());
			const b = service(new CommittedEvents(), second);
			clock += 3600_000;
			const r = await a.press(neighbour, press('key-two-instances'));
			if (!r.ok) throw new Error('press refused');
			const before = await notes(officer.id, 'panic.escalated');
			clock += 61_000;
			const [fromA, fromB] = await Promise.all([a.escalateDue(), b.escalateDue()]);
			expect([...fromA, ...fromB]).toEqual([r.id]);
			expect(await notes(officer.id, 'panic.escalated')).toBe(before + 1);
			expect(await db.query(`select id from panic_incident_step where incident_id = $1 and step = 'escalated'`, [r.id])).toHaveLength(1);
		} finally {
			await second.close();
		}
	});
});
