// Run as its own process by bench/memory.ts before the app starts (PGlite allows one
// process): registers `count` sensors in the demo RW of DATA_DIR, with known secrets,
// and writes the simulator's credentials file to `out`.
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { sha256 } from '../../src/lib/server/auth/tokens';
import { loadConfig } from '../../src/lib/server/config';
import { openAndMigrate } from '../../src/lib/server/db';
import { DEMO_RW } from '../../src/lib/server/seed/demo';

const [countArg, out] = process.argv.slice(2);
const count = Number(countArg);
if (!Number.isInteger(count) || count < 1 || !out) throw new Error('usage: register-sensors.ts <count> <devices.json>');
const config = loadConfig();
const db = await openAndMigrate({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
try {
	const [rw] = await db.query<{ id: string }>('select id from rw where code = $1', [DEMO_RW.code]);
	if (!rw) throw new Error(`the demo RW ${DEMO_RW.code} is not seeded`);
	const devices = Array.from({ length: count }, (_, i) => ({
		id: `mem-wl-${String(i + 1).padStart(3, '0')}`,
		kind: 'sensor' as const,
		secret: randomBytes(24).toString('base64url'),
		report_interval_s: 60,
		mounting_height_cm: 300,
		siaga3_cm: 150,
		siaga2_cm: 200,
		siaga1_cm: 250
	}));
	await db.query(
		`insert into device (id, rw_id, kind, name, report_interval_s, mounting_height_cm, siaga3_cm, siaga2_cm, siaga1_cm, secret_hash)
		 select id, $1, 'sensor', 'Sensor ' || id, 60, 300, 150, 200, 250, hash from unnest($2::text[], $3::text[]) as d(id, hash)
		 on conflict (id) do nothing`,
		[rw.id, devices.map((d) => d.id), devices.map((d) => sha256(d.secret))]
	);
	await writeFile(out, JSON.stringify({ rw: DEMO_RW.code, devices }, null, 1));
} finally {
	await db.close();
}
