import { createHmac } from 'node:crypto';
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from '../db';
import { sha256 } from '../auth/tokens';
import { mosquittoHash } from '../devices/mosquitto';
import { DEMO_RW } from './demo';

/** The file the demo simulator reads (`npm run demo:sim`): firmware-sim's credentials format. */
export const DEMO_DEVICES_FILE = 'demo-devices.json';

/** Where an RT's strip of houses lies in the demo layout (demo.ts): the channel runs along its east side. */
const channel = (rt: number) => ({ lat: DEMO_RW.lat - 0.0022 + (rt - 1) * 0.0009, lng: DEMO_RW.lng + 0.0018 });

interface DemoDevice {
	id: string;
	kind: 'sensor' | 'panic' | 'pump';
	name: string;
	rt: number | null;
	lat: number;
	lng: number;
}

/**
 * The demo RW's devices: water-level sensors on its channels (thresholds as a 3 m deep
 * drainage channel: Siaga 3 at 1 m of water, 2 at 1.5 m, 1 at 2 m), panic buttons and
 * one pump, so the security post, the residents' level and /banjir have something to show.
 */
export const DEMO_DEVICES: readonly DemoDevice[] = [
	{ id: 'rw012-wl-01', kind: 'sensor', name: 'Saluran Jl. Kelapa Hybrida', rt: 1, ...channel(1) },
	{ id: 'rw012-wl-02', kind: 'sensor', name: 'Pintu air Kali Betik', rt: 3, ...channel(3) },
	{ id: 'rw012-wl-03', kind: 'sensor', name: 'Saluran Blok E', rt: 5, ...channel(5) },
	{ id: 'rw012-pb-01', kind: 'panic', name: 'Tombol panik pos RW', rt: null, lat: DEMO_RW.lat, lng: DEMO_RW.lng },
	{ id: 'rw012-pb-02', kind: 'panic', name: 'Tombol panik RT 002', rt: 2, lat: channel(2).lat + 0.0003, lng: DEMO_RW.lng },
	{ id: 'rw012-pump-01', kind: 'pump', name: 'Pompa Jl. Kelapa Hybrida', rt: 1, lat: channel(1).lat - 0.0001, lng: channel(1).lng + 0.0002 }
];

const SENSOR = { report_interval_s: 60, mounting_height_cm: 300, max_range_cm: 400, siaga3_cm: 100, siaga2_cm: 150, siaga1_cm: 200 };

/**
 * A demo device's secret, derived from the demo password: known for the demo only, so
 * the simulator's file can be written again at any start. Never used outside the demo RW.
 */
export function demoSecret(password: string, id: string): string {
	return createHmac('sha256', `rukun-demo-device:${password}`).update(id).digest('base64url');
}

/**
 * Gives the demo RW its devices when it has none (a fresh demo, or one seeded before
 * devices existed; never twice), then writes DATA_DIR/demo-devices.json with the
 * devices that still have their demo secret (a rotated one is left out). Returns how
 * many devices it added.
 */
export async function seedDemoDevices(db: Database, options: { password: string; dataDir: string; mqttPort: number }): Promise<number> {
	const rw = await db.query<{ id: string }>('select id from rw where code = $1', [DEMO_RW.code]);
	if (!rw[0]) return 0;
	const rwId = rw[0].id;
	const added = await db.transaction(async (tx) => {
		// One demo at a time (instances starting together on PostgreSQL).
		await tx.query('select id from rw where id = $1 for update', [rwId]);
		const existing = await tx.query('select 1 from device where rw_id = $1 limit 1', [rwId]);
		if (existing.length > 0) return 0;
		const rts = await tx.query<{ id: string; number: number }>('select id, number from rt where rw_id = $1', [rwId]);
		const rtOf = (n: number | null) => (n === null ? null : (rts.find((r) => r.number === n)?.id ?? null));
		for (const d of DEMO_DEVICES) {
			const secret = demoSecret(options.password, d.id);
			const s = d.kind === 'sensor' ? SENSOR : { report_interval_s: 60, mounting_height_cm: null, max_range_cm: 400, siaga3_cm: null, siaga2_cm: null, siaga1_cm: null };
			await tx.query(
				`insert into device (id, rw_id, rt_id, kind, name, lat, lng, report_interval_s, mounting_height_cm, max_range_cm,
				                     siaga3_cm, siaga2_cm, siaga1_cm, secret_hash, mosquitto_hash)
				 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) on conflict (id) do nothing`,
				[d.id, rwId, rtOf(d.rt), d.kind, d.name, d.lat, d.lng, s.report_interval_s, s.mounting_height_cm, s.max_range_cm, s.siaga3_cm, s.siaga2_cm, s.siaga1_cm, sha256(secret), mosquittoHash(secret)]
			);
		}
		return DEMO_DEVICES.length;
	});
	await writeSimulatorFile(db, rwId, options);
	return added;
}

async function writeSimulatorFile(db: Database, rwId: string, options: { password: string; dataDir: string; mqttPort: number }): Promise<void> {
	const stored = await db.query<{ id: string; secret_hash: string; report_interval_s: number; mounting_height_cm: number | null; max_range_cm: number; siaga3_cm: number | null; siaga2_cm: number | null; siaga1_cm: number | null }>(
		`select id, secret_hash, report_interval_s, mounting_height_cm, max_range_cm, siaga3_cm, siaga2_cm, siaga1_cm
		   from device where rw_id = $1 and id = any($2::text[]) and disabled_at is null order by id`,
		[rwId, DEMO_DEVICES.map((d) => d.id)]
	);
	const devices = [];
	for (const d of DEMO_DEVICES) {
		const row = stored.find((s) => s.id === d.id);
		const secret = demoSecret(options.password, d.id);
		if (!row || row.secret_hash !== sha256(secret)) continue;
		devices.push(
			d.kind === 'sensor'
				? { id: d.id, kind: d.kind, secret, report_interval_s: row.report_interval_s, mounting_height_cm: row.mounting_height_cm, max_range_cm: row.max_range_cm, siaga3_cm: row.siaga3_cm, siaga2_cm: row.siaga2_cm, siaga1_cm: row.siaga1_cm }
				: { id: d.id, kind: d.kind, secret }
		);
	}
	const file = path.join(options.dataDir, DEMO_DEVICES_FILE);
	const url = `mqtt://localhost:${options.mqttPort || 1883}`;
	await writeFile(file, `${JSON.stringify({ rw: DEMO_RW.code, url, devices }, null, 2)}\n`, { mode: 0o600 });
	await chmod(file, 0o600);
}
