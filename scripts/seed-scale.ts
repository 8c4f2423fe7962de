// `npm run seed:scale -- --houses 2000 --residents 10000 [--rw RW012] [--rts 31]`
// Grows an RW to benchmark size: RTs up to --rts, houses up to --houses, resident
// accounts up to --residents (one shared password hash, so it takes seconds, not
// hours). Works on the embedded database in DATA_DIR (stop the app first: PGlite
// is single-process) or on DATABASE_URL. Idempotent: only adds what is missing.
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/lib/server/config';
import { openAndMigrate } from '../src/lib/server/db';
import { hashPassword } from '../src/lib/server/auth/passwords';
import { seedDemo, DEMO_RW } from '../src/lib/server/seed/demo';
import { seededRandom } from '../src/lib/domain/random';

const { values } = parseArgs({
	options: {
		houses: { type: 'string', default: '2000' },
		residents: { type: 'string', default: '10000' },
		rts: { type: 'string', default: '31' },
		rw: { type: 'string', default: DEMO_RW.code }
	}
});
const target = { houses: Number(values.houses), residents: Number(values.residents), rts: Number(values.rts) };
for (const [k, v] of Object.entries(target)) {
	if (!Number.isInteger(v) || v < 1 || v > 1_000_000) throw new Error(`--${k} must be a whole number 1..1000000`);
}

const config = loadConfig();
const db = await openAndMigrate({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
const started = Date.now();
try {
	if (values.rw === DEMO_RW.code) await seedDemo(db, { password: config.demoPassword });
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

		const [{ n: haveResidents }] = (await tx.query<{ n: number }>(
			`select count(*)::int as n from membership where rw_id = $1 and role = 'resident'`,
			[rw.id]
		)) as [{ n: number }];
		const missing = Math.max(0, target.residents - haveResidents);
		if (missing > 0) {
			const hash = await hashPassword(config.demoPassword);
			// Phones +62 819 xxxx xxxx, numbered after the residents already present.
			await tx.query(
				`with houses as (
				   select id, rt_id, row_number() over (order by id) - 1 as i, count(*) over () as total
				     from house where rw_id = $1
				 ), people as (
				   select g as k, '+62819' || lpad(($4 + g)::text, 8, '0') as phone from generate_series(1, $2) g
				 ), users as (
				   insert into app_user (phone, name, password_hash)
				   select phone, 'Warga ' || ($4 + k), $3 from people
				   on conflict (phone) do nothing
				   returning id, phone
				 )
				 insert into membership (user_id, rw_id, role, rt_id, house_id)
				 select u.id, $1, 'resident', h.rt_id, h.id
				   from users u
				   join houses h on h.i = (substring(u.phone from 7)::bigint % h.total)`,
				[rw.id, missing, hash, haveResidents]
			);
		}
	});
	const [counts] = await db.query<{ rts: number; houses: number; residents: number }>(
		`select (select count(*)::int from rt where rw_id = $1) as rts,
		        (select count(*)::int from house where rw_id = $1) as houses,
		        (select count(*)::int from membership where rw_id = $1 and role = 'resident') as residents`,
		[rw.id]
	);
	console.log(`${values.rw}: ${counts!.rts} RTs, ${counts!.houses} houses, ${counts!.residents} resident accounts (${((Date.now() - started) / 1000).toFixed(1)} s)`);
} finally {
	await db.close();
}
