import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlarmService } from '../../src/lib/server/alarms/service';
import { latestLevels } from '../../src/lib/server/alarms/queries';
import type { Database } from '../../src/lib/server/db/types';
import { publicRwLevels, residentLevel } from '../../src/lib/server/devices/public-levels';
import { listPumps } from '../../src/lib/server/pumps/list';
import { newDevice, startTestBroker, type TestBroker } from '../factories/broker';
import { freshDatabase } from '../factories/db';
import { makeMember, makeRw, type TestRw } from '../factories/tenancy';

// Every place that shows a sensor's Siaga level shows the one the alarm engine holds
// (docs/architecture.md, "Alarms"): the public flood page, a resident's home, the
// pumps and the security post. Readings go through the real broker, ingest and
// alarm service; the thresholds are 100 / 150 / 200 cm.
let db: Database;
let rw: TestRw;
let side: TestBroker;
let service: AlarmService;
type Member = Awaited<ReturnType<typeof makeMember>>;
let officer: Member, residentRt1: Member, residentRt2: Member;
/** The service's clock: the time of the last reading sent, plus a second. */
let clock = 0;
/** Readings a minute apart from two hours ago (the ingest trusts times up to 7 days old). */
const BASE = Math.floor(Date.now() / 60_000) * 60_000 - 2 * 3600_000;
const MIN = 60_000;
let minute = 0;

beforeAll(async () => {
	db = await freshDatabase();
	rw = await makeRw(db, 2, 2);
	const admin = await makeMember(db, rw, 'rw_admin');
	officer = await makeMember(db, rw, 'security_officer');
	const houseIn = (rt: number) => rw.houses.find((h) => h.rtId === rw.rts[rt]!.id)!.id;
	residentRt1 = await makeMember(db, rw, 'resident', { houseId: houseIn(0) });
	residentRt2 = await makeMember(db, rw, 'resident', { houseId: houseIn(1) });
	side = await startTestBroker(db);
	side.ingest.start();
	await side.register(
		admin,
		newDevice('pl-wl-01', 'sensor', { name: 'Saluran RT 1', rtId: rw.rts[0]!.id }),
		newDevice('pl-wl-02', 'sensor', { name: 'Saluran RT 2', rtId: rw.rts[1]!.id }),
		newDevice('pl-pump-01', 'pump', { name: 'Pompa RT 1', rtId: rw.rts[0]!.id }),
		newDevice('pl-pump-02', 'pump', { name: 'Pompa RT 2', rtId: rw.rts[1]!.id })
	);
	service = new AlarmService({ db, events: side.ingest.events, publish: (t, p) => side.broker.publish(t, p), now: () => clock, tickMs: 3600_000 });
	await service.start();
});

afterAll(async () => {
	await service?.close();
	await side?.close();
	await side?.ingest.close();
	await db?.close();
});

/** Sends readings of one sensor, a minute apart; resolves when stored, rolled up and decided on. */
async function send(id: string, levels: readonly number[]) {
	const client = await side.connect(`${id}`);
	for (const level of levels) {
		const at = BASE + minute++ * MIN;
		clock = at + 1000;
		await client.publishAsync(`rw/${rw.code}/sensor/${id}/level`, JSON.stringify({ level_cm: level, seq: minute, ts: new Date(at).toISOString(), bat: 3.9 }), { qos: 1 });
	}
	await client.endAsync();
	await side.ingest.flush();
	await service.idle();
}

/** The sensor's Siaga level on each page that shows it, with the level in cm the public page shows. */
async function shown(id: string, resident: Member) {
	const page = (await publicRwLevels(db, rw.code))!.sensors.find((s) => s.deviceId === id)!;
	const home = await residentLevel(db, resident);
	const post = (await latestLevels(db, officer)).find((l) => l.deviceId === id)!;
	const pump = (await listPumps(db, officer)).find((p) => p.deviceId === (id === 'pl-wl-01' ? 'pl-pump-01' : 'pl-pump-02'))!;
	expect(home?.deviceId).toBe(id);
	return { levelCm: page.levelCm, banjir: page.siaga, home: home!.siaga, securityPost: post.siaga, pumpArea: pump.areaSiaga, pumpSuggested: pump.suggested };
}

describe('Siaga level on the public pages', () => {
	it('does not show a spike the engine does not act on (one reading at Siaga 1 after normal ones)', async () => {
		await send('pl-wl-01', [80, 82, 250]);
		expect(await db.query(`select 1 from alarm where device_id = 'pl-wl-01'`)).toEqual([]);
		expect(await shown('pl-wl-01', residentRt1)).toEqual({ levelCm: 250, banjir: 4, home: 4, securityPost: 4, pumpArea: 4, pumpSuggested: false });
	});

	it("shows an active alarm's Siaga 2 when the last reading dipped below Siaga 3", async () => {
		await send('pl-wl-02', [160, 160, 160]);
		expect(await shown('pl-wl-02', residentRt2)).toEqual({ levelCm: 160, banjir: 2, home: 2, securityPost: 2, pumpArea: 2, pumpSuggested: true });
		await send('pl-wl-02', [90]);
		const [alarm] = await db.query<{ siaga: number }>(`select siaga from alarm where device_id = 'pl-wl-02' and type = 'flood_level' and cleared_at is null`);
		expect(alarm?.siaga).toBe(2);
		expect(await shown('pl-wl-02', residentRt2)).toEqual({ levelCm: 90, banjir: 2, home: 2, securityPost: 2, pumpArea: 2, pumpSuggested: true });
	});

	it("shows a silenced sensor's own reading (it raises no alarm while silenced)", async () => {
		await db.query(`update device set silenced_until = now() + interval '1 hour' where id = 'pl-wl-01'`);
		try {
			expect(await shown('pl-wl-01', residentRt1)).toEqual({ levelCm: 250, banjir: 1, home: 1, securityPost: 1, pumpArea: 1, pumpSuggested: true });
		} finally {
			await db.query(`update device set silenced_until = null where id = 'pl-wl-01'`);
		}
		expect((await shown('pl-wl-01', residentRt1)).banjir).toBe(4);
	});
});
