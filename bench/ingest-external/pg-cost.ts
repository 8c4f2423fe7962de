// `npx tsx bench/ingest-external/pg-cost.ts [--base <worktree>]`
//
// PostgreSQL's CPU per reading for one batch write, measured on its own (postmaster
// and backends, from /proc), so that a shared machine disturbs it little: batches of
// 500 readings of 100 sensors, as bench:ingest-external's instances write them, by
// this tree's writeReadings and, with --base, by another worktree's, alternated in
// rounds so that both meet the same table size. Also the alarm service's shared
// history read (100 sensors, newest 60 each): CPU per call.
import os from 'node:os';
import path from 'node:path';
import { openAndMigrate, type Database } from '../../src/lib/server/db';
import { loadRecentReadings, SHARED_READINGS_PER_DEVICE } from '../../src/lib/server/alarms/store';
import { batchTime } from '../../src/lib/server/ingest/rollups';
import { writeReadings, type ReadingRow } from '../../src/lib/server/ingest/writer';
import { benchArgs } from '../lib/args';
import { startPostgres } from '../lib/postgres';
import { treeCpuDelta, treeCpuSeconds } from '../lib/proc';

type Write = (db: Database, rows: ReadingRow[], batchAt: string) => Promise<unknown>;

async function main() {
	const { values, int } = benchArgs('usage: npx tsx bench/ingest-external/pg-cost.ts [--base WORKTREE] [--rounds N] [--batches N]', {
		options: { base: { type: 'string' }, rounds: { type: 'string', default: '6' }, batches: { type: 'string', default: '40' } }
	});
	const rounds = int('rounds', 1, 100);
	const batches = int('batches', 1, 10_000);
	const variants: { name: string; write: Write }[] = [{ name: 'this tree', write: writeReadings }];
	if (values.base) {
		const mod = (await import(path.resolve(values.base, 'src/lib/server/ingest/writer.ts'))) as { writeReadings: Write };
		variants.push({ name: values.base, write: mod.writeReadings });
	}
	const pg = await startPostgres();
	const db = await openAndMigrate({ databaseUrl: pg.url, dataDir: os.tmpdir() });
	try {
		const [rw] = await db.query<{ id: string }>(`insert into rw (code, name, kelurahan, city) values ('RW900', 'cost', 'x', 'y') returning id`);
		const ids = Array.from({ length: 100 }, (_, i) => `cost-${String(i).padStart(3, '0')}`);
		await db.query(
			`insert into device (id, rw_id, kind, name, report_interval_s, mounting_height_cm, max_range_cm, siaga3_cm, siaga2_cm, siaga1_cm, secret_hash)
			 select id, $1, 'sensor', id, 60, 300, 400, 100, 150, 200, 'x' from unnest($2::text[]) as t(id)`,
			[rw!.id, ids]
		);
		let seq = 0;
		const batch = (): ReadingRow[] =>
			Array.from({ length: 500 }, (_, i) => ({ deviceId: ids[i % 100]!, rwId: rw!.id, boot: 0, seq: ++seq, ts: new Date(), levelCm: 150, distanceCm: 150, batteryV: 3.9, clockSkew: false }));
		const cpu = () => (pg.pid ? treeCpuSeconds(pg.pid) : new Map<number, number>());
		const totals = new Map(variants.map((v) => [v.name, { s: 0, rows: 0 }]));
		let readS = 0;
		let reads = 0;
		for (let round = 0; round < rounds; round++) {
			for (const v of variants) {
				const before = cpu();
				for (let b = 0; b < batches; b++) await v.write(db, batch(), batchTime());
				const t = totals.get(v.name)!;
				t.s += treeCpuDelta(before, cpu());
				t.rows += 500 * batches;
			}
			const before = cpu();
			for (let i = 0; i < 5; i++) await loadRecentReadings(db, Date.now() - 3600_000, ids, SHARED_READINGS_PER_DEVICE);
			readS += treeCpuDelta(before, cpu());
			reads += 5;
		}
		for (const [name, t] of totals) console.log(`${name}: PostgreSQL ${((t.s * 1e6) / t.rows).toFixed(1)} µs CPU per reading (${t.rows} readings in batches of 500)`);
		console.log(`alarm history read (100 sensors × ${SHARED_READINGS_PER_DEVICE}): PostgreSQL ${((readS * 1000) / reads).toFixed(1)} ms CPU per call; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
	} finally {
		await db.close();
		await pg.stop();
	}
}

main().then(
	() => process.exit(0),
	(err: unknown) => {
		console.error(err);
		process.exit(1);
	}
);
