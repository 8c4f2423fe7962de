import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db/types';
import { createDevice } from '../../src/lib/server/devices/devices';
import { endSilence, getAlarmSettings, silenceDevice, updateSensorSettings } from '../../src/lib/server/devices/settings';
import { residentLevel, publicRwLevels } from '../../src/lib/server/devices/public-levels';
import { DEMO_DEVICES, demoSecret, seedDemoDevices } from '../../src/lib/server/seed/demo-devices';
import { sha256 } from '../../src/lib/server/auth/tokens';
import { makeAlarm } from '../factories/alarms';
import { freshDatabase } from '../factories/db';
import { makeMember, makeRw, type TestRw } from '../factories/tenancy';
import { TEST_NOW } from '../factories/clock';

let db: Database;
let rw: TestRw;
let admin: Awaited<ReturnType<typeof makeMember>>;
const settings = { siaga3Cm: 100, siaga2Cm: 150, siaga1Cm: 200, riseLimitCmPer10Min: 10, reportIntervalS: 60 };

beforeAll(async () => {
	db = await freshDatabase();
	rw = await makeRw(db, 2, 2);
	admin = await makeMember(db, rw, 'rw_admin');
	for (const [id, rt] of [['st-wl-01', 0], ['st-wl-02', 1]] as const) {
		const created = await createDevice(db, admin, { id, kind: 'sensor', name: `Sensor ${id}`, rtId: rw.rts[rt]!.id, lat: null, lng: null, reportIntervalS: 60, mountingHeightCm: 300, maxRangeCm: 400, siaga3Cm: 100, siaga2Cm: 150, siaga1Cm: 200 });
		if (!created.ok) throw new Error(created.reason);
	}
});
afterAll(async () => {
	await db?.close();
});

describe('sensor alarm settings', () => {
	it('changes thresholds, rise limit and interval, audited with old and new values', async () => {
		expect(await updateSensorSettings(db, admin, 'st-wl-01', { ...settings, siaga3Cm: 90, riseLimitCmPer10Min: 6 })).toEqual({ ok: true });
		const [row] = await db.query<{ detail: unknown; actor_id: string }>(`select detail, actor_id from audit_log where action = 'device.settings' and target = 'st-wl-01'`);
		expect(row).toEqual({ actor_id: admin.id, detail: { siaga3_cm: { old: 100, new: 90 }, rise_limit_cm_per_10min: { old: 10, new: 6 } } });
		expect(await getAlarmSettings(db, admin, 'st-wl-01')).toMatchObject({ siaga3_cm: 90, rise_limit_cm_per_10min: 6, report_interval_s: 60 });
	});

	it('keeps Siaga 1 below the stored maximum range, and only the RW admin may change', async () => {
		expect(await updateSensorSettings(db, admin, 'st-wl-01', { ...settings, siaga1Cm: 400 })).toEqual({ ok: false, reason: 'field', field: 'siaga1Cm', message: 'errors.siaga_range' });
		const officer = await makeMember(db, rw, 'security_officer');
		expect(await updateSensorSettings(db, officer, 'st-wl-01', settings)).toEqual({ ok: false, reason: 'forbidden' });
		const other = await makeMember(db, await makeRw(db, 1, 1), 'rw_admin');
		expect(await updateSensorSettings(db, other, 'st-wl-01', settings)).toEqual({ ok: false, reason: 'not_found' });
	});

	it('silences until a time with a reason, audited, and ends early', async () => {
		const until = new Date(Date.now() + 3600_000);
		expect(await silenceDevice(db, admin, 'st-wl-02', new Date(Date.now() - 1000), 'Sensor kotor')).toMatchObject({ ok: false, field: 'until' });
		expect(await silenceDevice(db, admin, 'st-wl-02', until, 'Sensor kotor')).toEqual({ ok: true });
		expect(await getAlarmSettings(db, admin, 'st-wl-02')).toMatchObject({ silenced_until: until.toISOString(), silence_reason: 'Sensor kotor', silenced_by_name: admin.name });
		expect(await endSilence(db, admin, 'st-wl-02')).toBe(true);
		expect(await getAlarmSettings(db, admin, 'st-wl-02')).toMatchObject({ silenced_until: null, silence_reason: null });
		const actions = await db.query<{ action: string }>(`select action from audit_log where target = 'st-wl-02' and action like 'device.silence%' order by at, id`);
		expect(actions.map((a) => a.action)).toEqual(['device.silence', 'device.silence_end']);
	});
});

describe('water levels for residents and the public page', () => {
	it('reads the level, Siaga and trend of the RT own sensor, without a role that may read devices', async () => {
		const minute = (m: number) => new Date(TEST_NOW.getTime() + m * 60_000);
		await db.query(
			`insert into reading_minute (device_id, bucket, rw_id, min_cm, max_cm, sum_cm, n, last_cm, last_ts)
			 values ('st-wl-02', $1, $3, 100, 100, 100, 1, 100, $1), ('st-wl-02', $2, $3, 160, 160, 160, 1, 160, $2)`,
			[minute(-8), minute(0), rw.id]
		);
		const resident = await makeMember(db, rw, 'resident', { houseId: rw.houses.find((h) => h.rtId === rw.rts[1]!.id)!.id });
		// The Siaga level is the alarm engine's (tests/integration/public-levels.test.ts): normal without an active flood alarm.
		expect(await residentLevel(db, resident)).toMatchObject({ deviceId: 'st-wl-02', levelCm: 160, siaga: 4, trend: 'rising', at: minute(0).toISOString() });
		await makeAlarm(db, rw.id, 'st-wl-02', { type: 'flood_level', severity: 'major', siaga: 2 });
		expect(await residentLevel(db, resident)).toMatchObject({ deviceId: 'st-wl-02', levelCm: 160, siaga: 2, trend: 'rising', at: minute(0).toISOString() });
		const page = await publicRwLevels(db, rw.code.toLowerCase());
		expect(page?.sensors.map((s) => [s.deviceId, s.siaga])).toEqual([['st-wl-01', null], ['st-wl-02', 2]]);
		expect(JSON.stringify(page)).not.toMatch(/battery|secret|phone/);
	});
});

describe('demo devices', () => {
	it('seeds the demo RW devices once, only when it has none, and writes the simulator file', async () => {
		const dir = await mkdtemp(path.join(os.tmpdir(), 'rukun-demo-'));
		try {
			const options = { password: 'rukun-demo', dataDir: dir, mqttPort: 1883 };
			expect(await seedDemoDevices(db, options)).toBe(0); // no demo RW here
			await db.query(`insert into rw (code, name, kelurahan, city) values ('RW012', 'RW 012', 'Pegangsaan Dua', 'Jakarta Utara')`);
			expect(await seedDemoDevices(db, options)).toBe(DEMO_DEVICES.length);
			expect(await seedDemoDevices(db, options)).toBe(0);
			const stored = await db.query<{ id: string; secret_hash: string }>(`select d.id, d.secret_hash from device d join rw on rw.id = d.rw_id where rw.code = 'RW012' order by d.id`);
			expect(stored.map((d) => d.id)).toEqual(DEMO_DEVICES.map((d) => d.id).sort());
			const file = JSON.parse(await readFile(path.join(dir, 'demo-devices.json'), 'utf8')) as { rw: string; url: string; devices: { id: string; kind: string; secret: string }[] };
			expect(file).toMatchObject({ rw: 'RW012', url: 'mqtt://localhost:1883' });
			expect(file.devices.map((d) => d.kind).sort()).toEqual(['panic', 'panic', 'pump', 'sensor', 'sensor', 'sensor']);
			for (const d of file.devices) expect(sha256(d.secret)).toBe(stored.find((s) => s.id === d.id)!.secret_hash);
			expect(file.devices[0]!.secret).toBe(demoSecret('rukun-demo', file.devices[0]!.id));
		} finally {
			await rm(dir, { recursive: true, force: true });
		}
	});
});
