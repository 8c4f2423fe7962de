// `npm run seed:scale -- --houses 2000 --residents 10000 [--rw RW012] [--rts 31] [--dues-months 60]`
// Grows an RW to benchmark size: RTs up to --rts, houses up to --houses, registry
// residents (households with NIK/KK encrypted like real ones) up to --residents.
// Works on the embedded database in DATA_DIR (stop the app first: PGlite is
// single-process) or on DATABASE_URL. Idempotent: only adds what is missing.
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/lib/server/config';
import { openAndMigrate } from '../src/lib/server/db';
import { loadPiiKeys } from '../src/lib/server/crypto/pii';
import { generateFamilies, writeFamilies } from '../src/lib/server/seed/population';
import { seedDemo, DEMO_RW } from '../src/lib/server/seed/demo';
import { seededRandom } from '../src/lib/domain/random';
// dues (iuran)
import { seedDuesHistory } from '../src/lib/server/seed/dues-history';
import { generateIn } from '../src/lib/server/dues/generate';
import { monthOf } from '../src/lib/domain/dues';

const { values } = parseArgs({
	options: {
		houses: { type: 'string', default: '2000' },
		residents: { type: 'string', default: '10000' },
		rts: { type: 'string', default: '31' },
		rw: { type: 'string', default: DEMO_RW.code },
		// dues (iuran): months of invoice and payment history before this month.
		'dues-months': { type: 'string', default: '0' }
	}
});
const target = { houses: Number(values.houses), residents: Number(values.residents), rts: Number(values.rts) };
for (const [k, v] of Object.entries(target)) {
	if (!Number.isInteger(v) || v < 1 || v > 1_000_000) throw new Error(`--${k} must be a whole number 1..1000000`);
}

const config = loadConfig();
const db = await openAndMigrate({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
const pii = await loadPiiKeys({ envKey: config.dataKey, dataDir: config.dataDir });
const started = Date.now();
try {
	if (values.rw === DEMO_RW.code) await seedDemo(db, { password: config.demoPassword, pii });
	const [rw] = await db.query<{ id: string }>('select id from rw where code = $1', [values.rw]);
	if (!rw) throw new Error(`RW ${values.rw} not found`);
	const random = seededRandom(2026);

	await db.transaction(async (tx) => {
		// RTs 1..n
		await tx.query(
			`insert into rt (rw_id, number, name)
			 select $1, n, 'RT ' || lpad(n::text, 3, '0') from generate_series(1, $2) n
			 on conflict (rw_id, number) do nothing`,
			[rw.id, target.rts]
		);
		const rts = await tx.query<{ id: string; number: number }>('select id, number from rt where rw_id = $1 order by number', [rw.id]);
		const [{ n: haveHouses }] = (await tx.query<{ n: number }>('select count(*)::int as n from house where rw_id = $1', [rw.id])) as [{ n: number }];
		const rtIds: string[] = [], blocks: string[] = [], numbers: string[] = [], cats: string[] = [], lats: number[] = [], lngs: number[] = [];
		for (let i = haveHouses; i < target.houses; i++) {
			const rt = rts[i % rts.length]!;
			rtIds.push(rt.id);
			blocks.push(`S${rt.number}`);
			numbers.push(String(Math.floor(i / rts.length) + 1));
			cats.push(random() < 0.85 ? 'house' : random() < 0.7 ? 'shop' : 'empty_lot');
			lats.push(DEMO_RW.lat - 0.0035 + random() * 0.007);
			lngs.push(DEMO_RW.lng - 0.0035 + random() * 0.007);
		}
		await tx.query(
			`insert into house (rw_id, rt_id, block, number, category, lat, lng)
			 select $1, r, b, n, c, la, ln
			   from unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::float8[]) as t(r, b, n, c, la, ln)
			 on conflict (rt_id, block, number) do nothing`,
			[rw.id, rtIds, blocks, numbers, cats, lats, lngs]
		);

		const [{ n: haveResidents }] = (await tx.query<{ n: number }>('select count(*)::int as n from resident where rw_id = $1', [rw.id])) as [
			{ n: number }
		];
		const missing = Math.max(0, target.residents - haveResidents);
		if (missing > 0) {
			// Families go round-robin into houses that are not empty lots.
			const houses = await tx.query<{ id: string; rt_id: string }>(
				`select id, rt_id from house where rw_id = $1 and category <> 'empty_lot' order by rt_id, block, number`,
				[rw.id]
			);
			await writeFamilies(tx, pii, rw.id, houses, generateFamilies(2026 + haveResidents, missing, haveResidents + 1_000_000));
		}
	});
	// dues (iuran): history, then this month's generation for every house, timed (one statement).
	const duesMonths = Number(values['dues-months']);
	if (!Number.isInteger(duesMonths) || duesMonths < 0 || duesMonths > 240) throw new Error('--dues-months must be a whole number 0..240');
	if (duesMonths > 0) {
		const h0 = performance.now();
		const history = await seedDuesHistory(db, rw.id, duesMonths);
		const historyMs = performance.now() - h0;
		const t0 = performance.now();
		const created = await db.transaction((tx) => generateIn(tx, rw.id, monthOf(new Date()), null));
		console.log(`dues: ${history.invoices} invoices and ${history.payments} payments of history in ${historyMs.toFixed(0)} ms (set-based); ${created} invoices of ${monthOf(new Date()).slice(0, 7)} generated in ${(performance.now() - t0).toFixed(0)} ms`);
	}
	await db.exec('analyze');
	const [counts] = await db.query<{ rts: number; houses: number; residents: number }>(
		`select (select count(*)::int from rt where rw_id = $1) as rts,
		        (select count(*)::int from house where rw_id = $1) as houses,
		        (select count(*)::int from resident where rw_id = $1) as residents`,
		[rw.id]
	);
	console.log(`${values.rw}: ${counts!.rts} RTs, ${counts!.houses} houses, ${counts!.residents} residents (${((Date.now() - started) / 1000).toFixed(1)} s)`);
} finally {
	await db.close();
}
