// The long work an RW admin starts while sensors report: a registry import of
// `rows` residents (the import job's write, commitRows) and `letters` letters issued
// one after another (decide → number, PDF, file, row), on the benchmark's database.
// Set up before the measured window (an RW with RTs, its admin, the letter
// catalogue, requests approved by the RT); `run()` starts both and settles when both
// have finished.
import type { Database } from '../../src/lib/server/db/types';
import type { SessionStats } from '../../src/lib/server/db/worker-protocol';
import { formatTable } from './stats';
import { commitRows, type RawRow } from '../../src/lib/server/registry/registration';
import { decide, type IssueContext } from '../../src/lib/server/letters/review';
import { makeMember, makeRw } from '../../tests/factories/tenancy';
import { makeHousehold, seedCatalogue, tempFileStore, testPii } from '../../tests/factories/letters';
import { newKk, residentRow } from '../../tests/factories/registry';
import { prepareWorkerModule } from '../../src/lib/server/workers/start';
import { pdfWorkerModuleUrl } from '../../src/lib/server/letters/pdf-worker';
import { rowCheckWorkerModuleUrl } from '../../src/lib/server/registry/row-check-worker';

export interface AdminLoad {
	/**
	 * Runs both; `session`: what PGlite's session gate measured while they ran (null
	 * where there is no gate: PostgreSQL, PGlite in the calling thread).
	 */
	run(): Promise<{ importMs: number; lettersMs: number; imported: number; issued: number; session: SessionStats | null }>;
	close(): Promise<void>;
}

const RTS = 10;
const PER_HOUSEHOLD = 4;

/** A valid, distinct NIK and its birth date (a man born on the 10th) for the i-th row, up to 99,999 rows. */
function person(i: number): { birth: string; nik: string } {
	const year = 1950 + (i % 40);
	const month = 1 + (Math.floor(i / 40) % 12);
	const seq = Math.floor(i / 480) + 1;
	const mm = String(month).padStart(2, '0');
	return { birth: `${year}-${mm}-10`, nik: `31720610${mm}${String(year % 100).padStart(2, '0')}${String(seq).padStart(4, '0')}` };
}

export async function prepareAdminLoad(db: Database, rows: number, letters: number): Promise<AdminLoad> {
	// Run from the sources, a worker's first start bundles its module on the main thread;
	// the built app has its chunks ready.
	for (const url of [pdfWorkerModuleUrl, rowCheckWorkerModuleUrl]) prepareWorkerModule(url);
	const rw = await makeRw(db, RTS, 1);
	const admin = await makeMember(db, rw, 'rw_admin', { name: 'Admin Beban' });
	const requester = await makeMember(db, rw, 'resident', { houseId: rw.houses[0]!.id, name: 'Pemohon' });
	await seedCatalogue(db, rw);
	const pii = testPii();
	const files = await tempFileStore();
	const subject = await makeHousehold(db, pii, rw, rw.houses[0]!.id, [{ name: 'Pemohon' }], requester.id);
	const requests = await db.query<{ id: string }>(
		`insert into letter_request (rw_id, rt_id, service_id, requester_id, subject_resident_id, status, data, submitted_at, rt_approved_at)
		 select $1, $2, (select id from letter_service where rw_id = $1 and kind = 'SK-DOM'), $3, $4, 'rt_approved', '{"keperluan":"Uji beban"}', now(), now()
		   from generate_series(1, $5) returning id`,
		[rw.id, rw.rts[0]!.id, requester.id, subject.residentIds[0], letters]
	);
	const ctx: IssueContext = { pii, store: files.store, origin: 'https://rukun.bench' };
	const sheet: RawRow[] = [];
	let kk = newKk();
	for (let line = 2; line < rows + 2; line++) {
		const member = (line - 2) % PER_HOUSEHOLD;
		if (member === 0) kk = newKk();
		const household = Math.floor((line - 2) / PER_HOUSEHOLD);
		const { birth, nik } = person(line - 2);
		sheet.push(
			residentRow(line, {
				kk,
				rt: String((household % RTS) + 1),
				house_number: String(household + 1),
				nik,
				birth_date: birth,
				...(member === 0 ? {} : { relation: 'Anak' })
			})
		);
	}
	return {
		async run() {
			await db.sessionStats?.(true);
			const t0 = performance.now();
			const importing = commitRows(db, pii, admin, sheet).then((result) => {
				if (!result.ok) throw new Error(`the import refused its rows: ${JSON.stringify(result.errors.slice(0, 3))}`);
				return { ms: performance.now() - t0, n: result.residents };
			});
			const issuing = (async () => {
				let issued = 0;
				for (const r of requests) {
					const outcome = await decide(db, admin, { requestId: r.id, stage: 'rw', decision: 'approve' }, ctx);
					if (!outcome.ok) throw new Error(`letter not issued: ${outcome.reason}`);
					issued++;
				}
				return { ms: performance.now() - t0, n: issued };
			})();
			// Both settle before an error is thrown: the caller removes the letters' files then.
			const [imp, issued] = await Promise.all([importing, issuing].map((p) => p.catch((err: unknown) => err))).then((results) => {
				for (const r of results) if (r instanceof Error) throw r;
				return results as { ms: number; n: number }[];
			});
			const session = (await db.sessionStats?.()) ?? null;
			return { importMs: imp!.ms, lettersMs: issued!.ms, imported: imp!.n, issued: issued!.n, session };
		},
		close: () => files.cleanup()
	};
}

/**
 * The session gate's figures as a table: how long each kind of request held PGlite's
 * one session and through how many main-thread round trips, and how long realtime
 * (readings, panics, alarms) and normal requests waited for it.
 */
export function formatSession(stats: SessionStats): string {
	const sched = (h: SessionStats['holds'][string]) => (h.cpu && h.runQueue ? `${h.cpu.p50} / ${h.cpu.p99} / ${h.cpu.max}; ${h.runQueue.p99} / ${h.runQueue.max}` : '');
	const holds = Object.entries(stats.holds)
		.sort((a, b) => b[1].totalMs - a[1].totalMs)
		.map(([kind, h]) => [`hold: ${kind}`, h.count, h.p50, h.p90, h.p99, h.max, h.totalMs, h.turns, sched(h)]);
	const waits = (['realtime', 'normal'] as const).flatMap((p) => {
		const w = stats.waits[p];
		const row = (label: string, s: SessionStats['waits'][typeof p]['fromSend'], extra: string | number) => [label, s.count, s.p50, s.p90, s.p99, s.max, s.totalMs, extra, ''];
		return [
			row(`wait: ${p}, from send`, w.fromSend, `${w.waited} waited`),
			row(`  of it unread (worker busy)`, w.unread, ''),
			row(`  of it at the gate`, w, `${w.turnsWaited} (max ${w.maxTurnsWaited})`)
		];
	});
	const replies = (['realtime', 'normal'] as const).flatMap((p) => {
		const r = stats.replies?.[p];
		return r ? [[`reply to main thread: ${p}`, r.count, r.p50, r.p90, r.p99, r.max, r.totalMs, '', '']] : [];
	});
	const table = formatTable(
		['session gate', 'n', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'total ms', 'main-thread turns', 'CPU ms p50 / p99 / max; run queue p99 / max'],
		[...holds, ...waits, ...replies]
	);
	const slowest = formatTable(
		['longest holds', 'ms', 'CPU ms', 'run queue ms', 'turns', 'what (first statement)'],
		stats.slowest.map((s) => [s.hold, s.ms, s.cpuMs ?? '', s.runQueueMs ?? '', s.turns, s.what])
	);
	const byWhat = formatTable(
		['holds by what (by Σ ms²)', 'n', 'ms total', 'CPU ms total', 'max ms', 'Σ ms² / 1000', 'what (first statement)'],
		stats.byWhat.slice(0, 12).map((w) => [w.hold, w.count, w.ms, w.cpuMs ?? '', w.maxMs, Math.round(w.squaredMs / 1000), w.what.slice(0, 90)])
	);
	return `${table}\n${slowest}\n${byWhat}`;
}

/** The gate's headline figures under admin load, for the results JSON. */
export function sessionMetrics(stats: SessionStats | null): Record<string, number | null> {
	const admin = stats ? Object.entries(stats.holds).filter(([kind]) => kind.startsWith('normal ')) : [];
	const max = (f: (h: SessionStats['holds'][string]) => number) => (stats ? admin.reduce((m, [, h]) => Math.max(m, f(h)), 0) : null);
	return {
		admin_load_admin_hold_p99_ms: max((h) => h.p99),
		admin_load_admin_hold_max_ms: max((h) => h.max),
		admin_load_admin_hold_turns: stats ? admin.reduce((n, [, h]) => n + h.turns, 0) : null,
		// From the main thread's send: what a batch of readings waited for the session.
		admin_load_realtime_wait_p99_ms: stats ? stats.waits.realtime.fromSend.p99 : null,
		admin_load_realtime_wait_max_ms: stats ? stats.waits.realtime.fromSend.max : null,
		admin_load_realtime_unread_p99_ms: stats ? stats.waits.realtime.unread.p99 : null,
		admin_load_realtime_reply_p99_ms: stats?.replies ? stats.replies.realtime.p99 : null,
		admin_load_realtime_turns_waited: stats ? stats.waits.realtime.turnsWaited : null
	};
}
