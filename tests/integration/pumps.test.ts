import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db/types';
import { withUser } from '../../src/lib/server/db';
import { userDb } from '../../src/lib/server/db/user-db';
import { Ingest } from '../../src/lib/server/ingest/ingest';
import { PUMP_CONFIRM_MS, PumpCommands, type Schedule } from '../../src/lib/server/pumps/commands';
import { listPumps } from '../../src/lib/server/pumps/list';
import type { AlertMessage } from '../../src/lib/views/alerts';
import { newDevice, startTestBroker, type TestBroker } from '../factories/broker';
import { makeAlarm } from '../factories/alarms';
import { freshDatabase } from '../factories/db';
import { makeMember, makeRw, type TestRw } from '../factories/tenancy';

// Pump commands end to end on real parts: PGlite (or PostgreSQL), the embedded aedes,
// the ingest, and an mqtt client playing the pump. The 10 s timeout runs on a schedule
// the test fires itself, so nothing sleeps.
let db: Database;
let rw: TestRw;
let other: TestRw;
let ingest: Ingest;
let mqttSide: TestBroker;
let pumps: PumpCommands;
const sent: { topic: string; payload: string }[] = [];
const timers: { fn: () => void; ms: number; cancelled: boolean }[] = [];
const schedule: Schedule = (fn, ms) => {
	const timer = { fn, ms, cancelled: false };
	timers.push(timer);
	return () => {
		timer.cancelled = true;
	};
};
let officer: Awaited<ReturnType<typeof makeMember>>;

const pump = (id: string, rtId: string | null = null) => newDevice(id, 'pump', { name: `Pompa ${id}`, rtId });

beforeAll(async () => {
	db = await freshDatabase();
	rw = await makeRw(db, 2, 1);
	other = await makeRw(db, 1, 1);
	const admin = await makeMember(db, rw, 'rw_admin');
	officer = await makeMember(db, rw, 'security_officer', { name: 'Joko Petugas' });
	mqttSide = await startTestBroker(db);
	ingest = mqttSide.ingest;
	ingest.start();
	await mqttSide.register(
		admin,
		...['pm-pump-01', 'pm-pump-02', 'pm-pump-03'].map((id) => pump(id, rw.rts[0]!.id)),
		newDevice('pm-wl-01', 'sensor', { name: 'Pompa pm-wl-01', rtId: rw.rts[0]!.id })
	);
	pumps = new PumpCommands({
		db,
		events: ingest.events,
		schedule,
		publish: (topic, payload) => {
			sent.push({ topic, payload });
			return mqttSide.broker.publish(topic, payload);
		}
	});
	await pumps.start();
});

afterAll(async () => {
	pumps?.close();
	await mqttSide?.close();
	await ingest?.close();
	await db?.close();
});

const connect = (id: string) => mqttSide.connect(id);

/** The pump messages sent to dashboards for a device, in order. */
const alertsFor = (id: string) =>
	sent.filter((m) => m.topic === `rw/${rw.code}/alerts/pump/${id}`).map((m) => (JSON.parse(m.payload) as Extract<AlertMessage, { kind: 'pump' }>).pump);

const commandRow = async (id: string) =>
	(await db.query<{ confirmed_at: Date | null; failed_at: Date | null; by_name: string; turn_on: boolean }>('select confirmed_at, failed_at, by_name, turn_on from pump_command where id = $1', [id]))[0]!;

describe('pump commands', () => {
	it('sends the command to the pump, which answers with its state: confirmed, audited, announced', async () => {
		const device = await connect('pm-pump-01');
		let seq = 0;
		const commands: unknown[] = [];
		// The pump: obeys its cmd topic and reports its state, as firmware does.
		device.on('message', (_topic, payload) => {
			const cmd = JSON.parse(payload.toString()) as { on: boolean; by: string };
			commands.push(cmd);
			device.publish(`rw/${rw.code}/pump/pm-pump-01/state`, JSON.stringify({ on: cmd.on, seq: ++seq }), { qos: 1 });
		});
		await device.subscribeAsync(`rw/${rw.code}/pump/pm-pump-01/cmd`, { qos: 1 });

		const result = await pumps.command(userDb(db, officer), 'pm-pump-01', true);
		expect(result.ok).toBe(true);
		if (!result.ok) return;
		const id = result.view.command!.id;
		await expect.poll(async () => (await commandRow(id)).confirmed_at, { timeout: 10_000 }).not.toBeNull();
		expect(commands).toEqual([{ on: true, by: 'Joko Petugas' }]);
		const row = await commandRow(id);
		expect(row).toMatchObject({ failed_at: null, by_name: 'Joko Petugas', turn_on: true });
		// Its timer was cancelled: a late timeout cannot fail a confirmed command.
		const timer = timers.find((t) => !t.cancelled && t.ms === PUMP_CONFIRM_MS);
		expect(timer).toBeUndefined();
		const states = alertsFor('pm-pump-01').map((v) => v.command?.state);
		expect(states[0]).toBe('pending');
		await expect.poll(() => alertsFor('pm-pump-01').at(-1)).toMatchObject({ on: true, command: { id, state: 'confirmed', turnOn: true, byName: 'Joko Petugas' } });
		const audit = await db.query<{ actor_id: string; action: string }>(`select actor_id, action from audit_log where target = 'pm-pump-01' and action like 'pump.%'`);
		expect(audit).toEqual([{ actor_id: officer.id, action: 'pump.on' }]);
		const listed = await listPumps(db, officer);
		expect(listed.find((p) => p.deviceId === 'pm-pump-01')).toMatchObject({ on: true, command: { state: 'confirmed' } });
	});

	it('fails a command the pump does not confirm within 10 s', async () => {
		const before = timers.length;
		const result = await pumps.command(userDb(db, officer), 'pm-pump-02', true);
		if (!result.ok) throw new Error(result.reason);
		const id = result.view.command!.id;
		expect(result.view.command!.state).toBe('pending');
		const timer = timers.slice(before).find((t) => !t.cancelled);
		expect(timer?.ms).toBe(10_000);
		expect(await commandRow(id)).toMatchObject({ confirmed_at: null, failed_at: null });
		timer!.fn(); // ten seconds pass without an answer
		await expect.poll(async () => (await commandRow(id)).failed_at).not.toBeNull();
		await expect.poll(() => alertsFor('pm-pump-02').at(-1)?.command?.state).toBe('failed');
		// A state that comes after the deadline does not turn it into a success.
		await pumps.confirm('pm-pump-02', true, new Date());
		expect((await commandRow(id)).confirmed_at).toBeNull();
	});

	it('at start fails commands left pending for over 10 s and times the younger ones', async () => {
		const [stale] = await db.query<{ id: string }>(
			`insert into pump_command (rw_id, device_id, turn_on, by_user, at) values ($1, 'pm-pump-03', true, $2, now() - interval '11 seconds') returning id`,
			[rw.id, officer.id]
		);
		const [young] = await db.query<{ id: string }>(
			`insert into pump_command (rw_id, device_id, turn_on, by_user, at) values ($1, 'pm-pump-03', false, $2, now() - interval '2 seconds') returning id`,
			[rw.id, officer.id]
		);
		const restarted: { ms: number }[] = [];
		const again = new PumpCommands({ db, events: ingest.events, publish: async () => {}, schedule: (fn, ms) => (restarted.push({ ms }), () => {}) });
		await again.start();
		again.close();
		expect((await commandRow(stale!.id)).failed_at).not.toBeNull();
		expect(await commandRow(young!.id)).toMatchObject({ failed_at: null, confirmed_at: null });
		expect(restarted).toHaveLength(1);
		expect(restarted[0]!.ms).toBeGreaterThan(0);
		expect(restarted[0]!.ms).toBeLessThan(10_000);
	});

	it('ends a command once when its confirmation and its timeout race (PostgreSQL: at the same moment)', async () => {
		for (let round = 0; round < 10; round++) {
			const [cmd] = await db.query<{ id: string }>(
				`insert into pump_command (rw_id, device_id, turn_on, by_user) values ($1, 'pm-pump-03', true, $2) returning id`,
				[rw.id, officer.id]
			);
			await Promise.all([pumps.confirm('pm-pump-03', true, new Date()), pumps.fail(cmd!.id)]);
			const row = await commandRow(cmd!.id);
			expect([row.confirmed_at, row.failed_at].filter((v) => v !== null)).toHaveLength(1);
		}
	});

	it('refuses residents, RT heads and another RW: in the service and under RLS', async () => {
		const resident = await makeMember(db, rw, 'resident', { houseId: rw.houses[0]!.id });
		const head = await makeMember(db, rw, 'rt_head');
		const foreign = await makeMember(db, other, 'security_officer');
		for (const user of [resident, head]) {
			expect(await pumps.command(userDb(db, user), 'pm-pump-01', false)).toEqual({ ok: false, reason: 'forbidden' });
			// The database is the last guard: the same insert as the member is refused.
			await expect(
				withUser(db, { sub: user.id, rw_id: rw.id }, (tx) =>
					tx.query(`insert into pump_command (rw_id, device_id, turn_on, by_user) values ($1, 'pm-pump-01', false, $2)`, [rw.id, user.id])
				)
			).rejects.toThrow(/row-level security/);
		}
		expect(await pumps.command(userDb(db, foreign), 'pm-pump-01', false)).toEqual({ ok: false, reason: 'not_found' });
		await expect(
			withUser(db, { sub: foreign.id, rw_id: other.id }, (tx) =>
				tx.query(`insert into pump_command (rw_id, device_id, turn_on, by_user) values ($1, 'pm-pump-01', false, $2)`, [other.id, foreign.id])
			)
		).rejects.toThrow(/row-level security/);
		// A command under another member's name is refused too (by_user = the caller).
		await expect(
			withUser(db, { sub: officer.id, rw_id: rw.id }, (tx) =>
				tx.query(`insert into pump_command (rw_id, device_id, turn_on, by_user) values ($1, 'pm-pump-01', false, $2)`, [rw.id, head.id])
			)
		).rejects.toThrow(/row-level security/);
		expect(await db.query(`select 1 from pump_command where by_user = any($1::uuid[])`, [[resident.id, head.id, foreign.id]])).toEqual([]);
	});

	it('suggests the pumps of an RT at Siaga 2 or worse', async () => {
		expect((await listPumps(db, officer)).every((p) => !p.suggested)).toBe(true);
		const sensor = await connect('pm-wl-01');
		// 300 cm mounting − 140 cm distance = 160 cm: Siaga 2 (150).
		await sensor.publishAsync(`rw/${rw.code}/sensor/pm-wl-01/level`, JSON.stringify({ distance_cm: 140, seq: 1 }), { qos: 1 });
		await ingest.flush();
		// One reading is not yet a level: the area's level is the alarm engine's (tests/integration/public-levels.test.ts).
		expect((await listPumps(db, officer)).find((p) => p.deviceId === 'pm-pump-02')).toMatchObject({ suggested: false, areaSiaga: 4 });
		await makeAlarm(db, rw.id, 'pm-wl-01', { type: 'flood_level', severity: 'major', siaga: 2 });
		const listed = await listPumps(db, officer);
		expect(listed.find((p) => p.deviceId === 'pm-pump-02')).toMatchObject({ suggested: true, areaSiaga: 2 });
	});
});
