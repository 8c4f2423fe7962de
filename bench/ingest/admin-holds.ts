// `npx tsx bench/ingest/admin-holds.ts [--rows 10000] [--letters 50] [--analyze-first] [--profile]`
//
// The admin-load scenario of bench:ingest without the readings: a fresh PGlite in
// its worker thread (temp dir, migrated), the same registry import and letters
// (admin-load.ts), and what PGlite's session gate measured while they ran. With no
// ingest competing for the cores, the hold times are the database's own work per
// message, which decides how long a reading can wait behind administrative work.
// It also prints the main thread's event-loop delay while the work ran (what the
// work's JavaScript, checking and sealing rows, keeps other events waiting).
// `--profile`: the main thread's CPU profile over the work (self time, longest busy
// stretches; bench/ingest/profile.ts).
// `--analyze-first`: ANALYZE the registry tables while they are (almost) empty
// before the import, as the import job does after an RT's first small import.
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatSession, prepareAdminLoad } from './admin-load';
import { benchDatabase } from './database';
import { formatLoop, printProfileReport, Profiler, watchLoop } from './profile';

const { values } = parseArgs({
	options: {
		rows: { type: 'string', default: '10000' },
		letters: { type: 'string', default: '50' },
		'analyze-first': { type: 'boolean', default: false },
		profile: { type: 'boolean', default: false }
	}
});

const bench = await benchDatabase(1, { thread: 'worker', measureCpu: true });
try {
	const load = await prepareAdminLoad(bench.db, Number(values.rows), Number(values.letters));
	if (values['analyze-first']) await bench.db.exec('analyze resident, household, house');
	// How long the admin work kept this (the main) thread from other events: what a
	// PUBACK would wait for, besides the session.
	const profiler = values.profile ? new Profiler() : null;
	await profiler?.start();
	const stopLoop = watchLoop();
	const result = await load.run();
	const loop = stopLoop();
	if (profiler) printProfileReport('CPU profile of the main thread while the admin work ran', await profiler.stop(path.join(os.tmpdir(), `rukun-admin-holds-${Date.now()}.cpuprofile`)), 'saved');
	console.log(`import of ${result.imported} rows ${(result.importMs / 1000).toFixed(2)} s, ${result.issued} letters ${(result.lettersMs / 1000).toFixed(2)} s`);
	console.log(formatLoop(loop));
	if (result.session) console.log(formatSession(result.session));
	await load.close();
} finally {
	await bench.dispose();
}
