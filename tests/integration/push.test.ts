import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db/types';
import type { SessionUser } from '../../src/lib/server/auth/sessions';
import { notify } from '../../src/lib/server/notifications';
import { PushSender, type PushSenderOptions } from '../../src/lib/server/push/sender';
import { claimDue } from '../../src/lib/server/push/outbox';
import { loadVapidKeys, type VapidKeys } from '../../src/lib/server/push/vapid';
import { subscribe, setPreferences } from '../../src/lib/server/push/subscriptions';
import { writeFloodNotifications } from '../../src/lib/server/push/flood';
import { DEFAULT_PREFERENCES, PAYLOAD_LIMIT_BYTES } from '../../src/lib/domain/push';
import { freshDatabase } from '../factories/db';
import { makeMember, makeRw, type TestRw } from '../factories/tenancy';
import { startPushEndpoint, type FakeSubscription, type PushEndpoint } from '../factories/push-endpoint';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Web Push from the notification rows (docs/push.md), against a real local push
 * endpoint that decrypts what it gets as a browser would.
 */

let db: Database;
let rw: TestRw;
let endpoint: PushEndpoint;
let vapid: VapidKeys;
let dataDir: string;
const senders: PushSender[] = [];

beforeAll(async () => {
	db = await freshDatabase();
	rw = await makeRw(db, 2, 2);
	endpoint = await startPushEndpoint();
	dataDir = await mkdtemp(path.join(tmpdir(), 'push-test-'));
	vapid = await loadVapidKeys({ dataDir });
});
// Each test's senders stop with it: the next test's rows are only its own senders' work.
afterEach(async () => {
	for (const s of senders.splice(0)) await s.close();
});
afterAll(async () => {
	await endpoint?.close();
	await db?.close();
	if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

function sender(options: Partial<PushSenderOptions> = {}): PushSender {
	const s = new PushSender({ db, vapid, ca: endpoint.ca, sweepMs: 60_000, backoff: () => 0, ...options });
	senders.push(s);
	return s;
}

async function device(user: SessionUser, ua = 'Mozilla/5.0 (Linux; Android 14) Chrome/131.0 Mobile'): Promise<FakeSubscription> {
	const sub = endpoint.subscription();
	await subscribe(db, user, { endpoint: sub.endpoint, keys: sub.keys }, ua);
	return sub;
}

const to = (sub: FakeSubscription) => (r: { subscriptionId: string }) => r.subscriptionId === sub.id;

async function send(user: SessionUser, kind: string, params: Record<string, string | number>, link = '/notifikasi'): Promise<void> {
	await db.transaction((tx) => notify(tx, rw.id, [user.id], kind, params, link));
}

describe('VAPID keys', () => {
	it('are generated once into DATA_DIR with mode 0600 and read back on the next start', async () => {
		const again = await loadVapidKeys({ dataDir });
		expect(again.publicKey).toBe(vapid.publicKey);
		expect((await stat(path.join(dataDir, 'keys', 'vapid.json'))).mode & 0o777).toBe(0o600);
	});
	it('come from the environment when set, both or neither', async () => {
		const env = await loadVapidKeys({ dataDir, publicKey: vapid.publicKey, privateKey: vapid.privateKey, subject: 'mailto:rw@example.org' });
		expect(env.source).toBe('env');
		await expect(loadVapidKeys({ dataDir, publicKey: vapid.publicKey })).rejects.toThrow(/both/);
	});
	it.runIf(process.env.DATABASE_URL)('are stored once in a shared PostgreSQL database: every instance signs with the same pair', async () => {
		const [a, b] = await Promise.all([loadVapidKeys({ dataDir: '/nonexistent-a', db }), loadVapidKeys({ dataDir: '/nonexistent-b', db })]);
		expect(a.source).toBe('database');
		expect(b.publicKey).toBe(a.publicKey);
	});
});

describe('sending the notification rows', () => {
	it('delivers after commit what the browser decrypts: title and body in the user language, url, tag, icon; urgency and TTL per kind', async () => {
		const s = sender();
		s.start();
		const ani = await makeMember(db, rw, 'resident', { rtIndex: 0 });
		const ben = await makeMember(db, rw, 'resident', { rtIndex: 0 });
		await db.query(`update app_user set locale = 'en' where id = $1`, [ben.id]);
		const [phone, laptop, bens] = [await device(ani), await device(ani, 'Mozilla/5.0 (Windows NT 10.0) Firefox/133.0'), await device(ben)];
		await db.transaction((tx) => notify(tx, rw.id, [ani.id, ben.id], 'letter.issued', { service: 'Surat Pengantar', number: '001/RW' }, '/surat/abc'));
		const got = await endpoint.waitFor(3, (r) => [phone.id, laptop.id, bens.id].includes(r.subscriptionId));
		const byId = new Map(got.map((r) => [r.subscriptionId, r]));
		expect(byId.get(phone.id)!.payload).toEqual({
			title: 'Layanan surat',
			body: 'Surat Pengantar terbit dengan nomor 001/RW. Unduh atau pesan jadwal pengambilan.',
			url: '/surat/abc',
			tag: expect.stringMatching(/^n-\d+$/),
			icon: '/icons/icon-192.png'
		});
		expect(byId.get(bens.id)!.payload!.body).toMatch(/^Surat Pengantar issued/);
		expect(byId.get(phone.id)!).toMatchObject({ urgency: 'normal', ttl: 86400, topic: null, vapidKey: vapid.publicKey, status: 201 });
		await s.idle();
		const log = await db.query<{ result: string; status_code: number; attempt: number }>(
			`select result, status_code, attempt from push_delivery where subscription_id = any($1::uuid[])`,
			[await subIds([phone, laptop, bens])]
		);
		expect(log).toEqual(Array(3).fill({ result: 'sent', status_code: 201, attempt: 1 }));
		const [row] = await db.query<{ due: string | null }>(`select push_due_at as due from notification where user_id = $1`, [ani.id]);
		expect(row!.due).toBeNull();
	});

	it.runIf(!process.env.DATABASE_URL)('writes a round\'s outcome in one message: PGlite\'s session is not held across a round trip to the main thread', async () => {
		const s = sender();
		const dedi = await makeMember(db, rw, 'resident', { rtIndex: 0 });
		const sub = await device(dedi);
		await send(dedi, 'letter.issued', { service: 'Surat Domisili', number: '9' });
		await db.sessionStats!(true);
		s.start();
		await endpoint.waitFor(1, to(sub));
		await s.idle();
		const stats = await db.sessionStats!(true);
		// The round's claim and its outcome (the delivery log, the notification done) were messages, no transaction.
		expect(stats.holds['normal transaction']).toBeUndefined();
		expect(Object.values(stats.holds).reduce((n, h) => n + h.turns, 0)).toBe(0);
		const [row] = await db.query<{ due: string | null }>(`select push_due_at as due from notification where user_id = $1`, [dedi.id]);
		expect(row!.due).toBeNull();
		expect(await db.query(`select result from push_delivery where subscription_id = any($1::uuid[])`, [await subIds([sub])])).toEqual([{ result: 'sent' }]);
	});

	it('sends nothing for a step that rolled back', async () => {
		const s = sender();
		s.start();
		const cici = await makeMember(db, rw, 'resident');
		const sub = await device(cici);
		await expect(
			db.transaction(async (tx) => {
				await notify(tx, rw.id, [cici.id], 'letter.rejected', { service: 'X', note: 'y' }, '/surat');
				throw new Error('step failed');
			})
		).rejects.toThrow('step failed');
		await send(cici, 'letter.issued', { service: 'Z', number: '2' });
		const got = await endpoint.waitFor(1, to(sub));
		await s.idle();
		expect(got.map((r) => r.payload!.body)).toEqual([expect.stringMatching(/^Z terbit/)]);
	});

	it('panic and flood are high urgency with a short TTL; flood collapses per sensor by topic and tag', async () => {
		const s = sender();
		s.start();
		const dodi = await makeMember(db, rw, 'resident');
		const sub = await device(dodi);
		await send(dodi, 'panic.acknowledged', { house: 'A-1' }, '/panik');
		await send(dodi, 'flood.raised', { device: 'sensor-kali-1', name: 'Kali', siaga: 2, level: 180 }, '/banjir');
		const [panic, flood] = await endpoint.waitFor(2, to(sub));
		expect(panic).toMatchObject({ urgency: 'high', ttl: 300, topic: null });
		expect(flood).toMatchObject({ urgency: 'high', ttl: 900, topic: 'flood-sensor-kali-1' });
		expect(flood!.payload).toMatchObject({ tag: 'flood-sensor-kali-1', url: '/banjir', title: 'Peringatan banjir' });
	});

	it('keeps the payload under 3 KB whatever the params', async () => {
		const s = sender();
		s.start();
		const eka = await makeMember(db, rw, 'resident');
		const sub = await device(eka);
		await send(eka, 'letter.returned', { service: 'Layanan', note: 'é'.repeat(5000) });
		const [got] = await endpoint.waitFor(1, to(sub));
		expect(Buffer.byteLength(JSON.stringify(got!.payload))).toBeLessThanOrEqual(PAYLOAD_LIMIT_BYTES);
	});

	it('deletes a subscription the push service says is gone (410) and logs it', async () => {
		const s = sender();
		s.start();
		const fajar = await makeMember(db, rw, 'resident');
		const sub = await device(fajar);
		const [id] = await subIds([sub]);
		endpoint.answer(sub.id, [410]);
		await send(fajar, 'letter.issued', { service: 'A', number: '1' });
		await endpoint.waitFor(1, to(sub));
		await s.idle();
		expect(await db.query(`select 1 from push_subscription where id = $1`, [id])).toEqual([]);
		expect(await db.query(`select result, status_code from push_delivery where subscription_id = $1`, [id])).toEqual([{ result: 'gone', status_code: 410 }]);
	});

	it('retries a failed send (500) with backoff until it is delivered, without sending again to the devices that got it', async () => {
		const s = sender();
		s.start();
		const gita = await makeMember(db, rw, 'resident');
		const [flaky, fine] = [await device(gita), await device(gita)];
		endpoint.answer(flaky.id, [500, 503]);
		await send(gita, 'letter.issued', { service: 'B', number: '2' });
		// Retries are due at once here (backoff 0); the sweep finds them.
		const poke = setInterval(() => s.wake(), 20);
		const got = await endpoint.waitFor(3, to(flaky)).finally(() => clearInterval(poke));
		await s.idle();
		expect(got.map((r) => r.status)).toEqual([500, 503, 201]);
		expect(endpoint.received.filter(to(fine))).toHaveLength(1);
		const [flakyId] = await subIds([flaky]);
		const log = await db.query<{ result: string; attempt: number }>(`select result, attempt from push_delivery where subscription_id = $1 order by id`, [flakyId]);
		expect(log).toEqual([{ result: 'retry', attempt: 1 }, { result: 'retry', attempt: 2 }, { result: 'sent', attempt: 3 }]);
	});

	it('gives up after the last attempt and logs it failed', async () => {
		const s = sender();
		s.start();
		const hana = await makeMember(db, rw, 'resident');
		const sub = await device(hana);
		endpoint.answer(sub.id, Array(10).fill(500));
		await send(hana, 'letter.issued', { service: 'C', number: '3' });
		const poke = setInterval(() => s.wake(), 20);
		await endpoint.waitFor(5, to(sub)).finally(() => clearInterval(poke));
		await s.idle();
		const [id] = await subIds([sub]);
		const log = await db.query<{ result: string }>(`select result from push_delivery where subscription_id = $1 order by id`, [id]);
		expect(log.map((r) => r.result)).toEqual(['retry', 'retry', 'retry', 'retry', 'failed']);
		expect(await db.query(`select push_due_at from notification where user_id = $1`, [hana.id])).toEqual([{ push_due_at: null }]);
	});

	it('honours each user preferences: a category switched off is not pushed (still in the app)', async () => {
		const s = sender();
		s.start();
		const indra = await makeMember(db, rw, 'resident');
		const sub = await device(indra);
		await setPreferences(db, indra, { ...DEFAULT_PREFERENCES, letters: false });
		await send(indra, 'letter.issued', { service: 'D', number: '4' });
		await send(indra, 'announcement.posted', { title: 'Kerja bakti' }, '/pengumuman');
		const [got] = await endpoint.waitFor(1, to(sub));
		await s.idle();
		expect(got!.payload!.body).toMatch(/Kerja bakti/);
		expect(endpoint.received.filter(to(sub))).toHaveLength(1);
		expect(await db.query(`select kind from notification where user_id = $1 order by id`, [indra.id])).toHaveLength(2);
	});
});

describe('no loss, no double send', () => {
	it('delivers rows committed while no sender ran (a crash between commit and send) when the next one starts', async () => {
		const joko = await makeMember(db, rw, 'resident');
		const sub = await device(joko);
		// The process "dies" right after the commit: no sender is running.
		await send(joko, 'letter.issued', { service: 'E', number: '5' });
		// And one that a sender claimed, then died before sending (its lease runs out).
		await send(joko, 'letter.cancelled', { number: '5', note: 'salah' });
		const claimed = await claimDue(db, 100, 0);
		expect(claimed.length).toBeGreaterThan(0);
		const restarted = sender();
		restarted.start();
		const got = await endpoint.waitFor(2, to(sub));
		expect(got.map((r) => r.payload!.body).sort()).toEqual([expect.stringMatching(/^E terbit/), expect.stringMatching(/^Surat 5 dibatalkan/)]);
	});

	it('two senders on one database send each notification to each device exactly once', async () => {
		const [a, b] = [sender({ batch: 20, concurrency: 8 }), sender({ batch: 20, concurrency: 8 })];
		const users = await Promise.all(Array.from({ length: 30 }, () => makeMember(db, rw, 'resident')));
		const subs = await Promise.all(users.map((u) => device(u)));
		const ids = new Set(subs.map((s) => s.id));
		// Written before either starts, then both race for them.
		for (let i = 0; i < 4; i++) await db.transaction((tx) => notify(tx, rw.id, users.map((u) => u.id), 'announcement.posted', { title: `Pengumuman ${i}` }, '/pengumuman'));
		a.start();
		b.start();
		await endpoint.waitFor(120, (r) => ids.has(r.subscriptionId));
		await a.idle();
		await b.idle();
		const got = endpoint.received.filter((r) => ids.has(r.subscriptionId));
		expect(got).toHaveLength(120);
		expect(new Set(got.map((r) => `${r.subscriptionId}:${String(r.payload!.body)}`)).size).toBe(120);
		expect(a.stats.sent).toBeGreaterThan(0);
		expect(b.stats.sent).toBeGreaterThan(0);
	});
});

describe.runIf(process.env.DATABASE_URL)('claims on PostgreSQL', () => {
	it('two claims at once take disjoint rows without waiting for each other (skip locked)', async () => {
		const users = await Promise.all(Array.from({ length: 6 }, () => makeMember(db, rw, 'resident')));
		await db.transaction((tx) => notify(tx, rw.id, users.map((u) => u.id), 'announcement.posted', { title: 'Rapat' }, '/pengumuman'));
		const ours = `select id from notification where user_id = any($1::uuid[])`;
		const mine = new Set((await db.query<{ id: string }>(ours, [users.map((u) => u.id)])).map((r) => Number(r.id)));
		const [first, second] = await db.transaction(async (tx) => {
			const a = (await claimDue(tx, 3, 60)).filter((n) => mine.has(n.id));
			// While the first claim's transaction still holds its rows, a second sender claims.
			const b = (await claimDue(db, 100, 60)).filter((n) => mine.has(n.id));
			return [a, b];
		});
		expect(first).toHaveLength(3);
		expect(second).toHaveLength(3);
		expect(first.some((n) => second.some((m) => m.id === n.id))).toBe(false);
	});
});

describe('flood level changes', () => {
	it('tell the residents of the sensor RT whose minimum level is reached, and those told before when it is over', async () => {
		const s = sender();
		s.start();
		const [rt1a, rt1b, rt2] = [await makeMember(db, rw, 'resident', { rtIndex: 0 }), await makeMember(db, rw, 'resident', { rtIndex: 0 }), await makeMember(db, rw, 'resident', { rtIndex: 1 })];
		await setPreferences(db, rt1b, { ...DEFAULT_PREFERENCES, floodMinSiaga: 1 });
		const subs = [await device(rt1a), await device(rt1b), await device(rt2)];
		const change = { rwId: rw.id, rtId: rw.rts[0]!.id, deviceId: 'flood-rt1', deviceName: 'Kali RT 1', severity: 'major' as const, levelCm: 150, at: new Date().toISOString() };
		const users = [rt1a, rt1b, rt2].map((u) => u.id);
		const kinds = async () => db.query<{ user_id: string; kind: string }>(`select user_id, kind from notification where user_id = any($1::uuid[]) order by id`, [users]);
		await writeFloodNotifications(db, { ...change, oldSiaga: 4, newSiaga: 3 });
		expect(await kinds()).toEqual([{ user_id: rt1a.id, kind: 'flood.raised' }]);
		const [got] = await endpoint.waitFor(1, to(subs[0]!));
		expect(got).toMatchObject({ urgency: 'high', topic: 'flood-flood-rt1' });
		expect(got!.payload!.body).toMatch(/Kali RT 1.*Siaga 3/);
		await writeFloodNotifications(db, { ...change, oldSiaga: 3, newSiaga: 4 });
		expect((await kinds()).slice(1)).toEqual([{ user_id: rt1a.id, kind: 'flood.cleared' }]);
		await writeFloodNotifications(db, { ...change, oldSiaga: 4, newSiaga: 1 });
		expect((await kinds()).slice(2).map((r) => r.user_id).sort()).toEqual([rt1a.id, rt1b.id].sort());
	});

	it.runIf(!process.env.DATABASE_URL)('are written in one message: PGlite\'s session is not held across a round trip to the main thread', async () => {
		const residents = [await makeMember(db, rw, 'resident', { rtIndex: 1 }), await makeMember(db, rw, 'resident', { rtIndex: 1 })];
		const change = { rwId: rw.id, rtId: rw.rts[1]!.id, deviceId: 'flood-rt2', deviceName: 'Kali RT 2', severity: 'major' as const, levelCm: 150, at: new Date().toISOString() };
		await db.sessionStats!(true);
		const told = await writeFloodNotifications(db, { ...change, oldSiaga: 4, newSiaga: 2 });
		const stats = await db.sessionStats!(true);
		expect(Object.keys(stats.holds)).toEqual(['normal query']);
		expect(stats.holds['normal query']!.count).toBe(1);
		const rows = await db.query<{ user_id: string }>(`select user_id from notification where kind = 'flood.raised' and params->>'device' = 'flood-rt2'`);
		expect(told).toBe(rows.length);
		expect(rows.map((r) => r.user_id)).toEqual(expect.arrayContaining(residents.map((r) => r.id)));
	});
});

async function subIds(subs: FakeSubscription[]): Promise<string[]> {
	const rows = await db.query<{ id: string; endpoint: string }>(`select id, endpoint from push_subscription where endpoint = any($1::text[])`, [subs.map((s) => s.endpoint)]);
	return subs.map((s) => rows.find((r) => r.endpoint === s.endpoint)!.id);
}
