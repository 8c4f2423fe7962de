// One bounded autocannon run against one URL, in this process. Autocannon's own
// latency summary has no p95, so 2xx response times are kept here (a few tens of
// thousands of numbers per run) and the percentiles computed from them.
import autocannon from 'autocannon';
import { machineBusySeconds, processCpuSeconds, treeCpuDelta, treeCpuSeconds } from './proc';

/** A request unanswered this long counts as a timeout (an error) instead of a latency. */
export const REQUEST_TIMEOUT_S = 10;

export interface LoadResult {
	reqPerS: number;
	p50Ms: number | null;
	p95Ms: number | null;
	responses2xx: number;
	requestsSent: number;
	non2xx: number;
	/** Connection errors, timeouts included. */
	errors: number;
	timeouts: number;
	statusCodes: Record<string, number>;
	/** This process's CPU (the generator), % of one core over the run's wall time. */
	generatorCpuPct: number;
	/** The app process's CPU, % of one core, when its pid was given and readable. */
	appCpuPct: number | null;
	/** The database server's CPU (postmaster + backends), % of one core, when given. */
	dbCpuPct: number | null;
	/**
	 * Everything else on the machine (busy CPU minus generator, app and database),
	 * % of one core: anything well above zero means the figures are disturbed.
	 */
	otherCpuPct: number | null;
	wallS: number;
}

export interface LoadOptions {
	url: string;
	connections: number;
	durationS: number;
	headers: Record<string, string>;
	appPid?: number;
	dbPid?: number | null;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: Float64Array, p: number): number | null {
	if (sorted.length === 0) return null;
	const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
	return sorted[Math.min(rank, sorted.length) - 1]!;
}

export function runLoad(options: LoadOptions): Promise<LoadResult> {
	let latencies = new Float64Array(65_536);
	let count = 0;
	const record = (ms: number) => {
		if (count === latencies.length) {
			const bigger = new Float64Array(latencies.length * 2);
			bigger.set(latencies);
			latencies = bigger;
		}
		latencies[count++] = ms;
	};

	const appBefore = options.appPid ? processCpuSeconds(options.appPid) : null;
	const dbBefore = options.dbPid ? treeCpuSeconds(options.dbPid) : null;
	const machineBefore = machineBusySeconds();
	const cpuBefore = process.cpuUsage();
	const wallBefore = process.hrtime.bigint();

	return new Promise<LoadResult>((resolve, reject) => {
		const instance = autocannon(
			{
				url: options.url,
				connections: options.connections,
				duration: options.durationS,
				headers: options.headers,
				timeout: REQUEST_TIMEOUT_S
			},
			(err, result) => {
				const wallS = Number(process.hrtime.bigint() - wallBefore) / 1e9;
				const cpu = process.cpuUsage(cpuBefore);
				if (err) {
					reject(err instanceof Error ? err : new Error(String(err)));
					return;
				}
				const appAfter = options.appPid ? processCpuSeconds(options.appPid) : null;
				const dbAfter = options.dbPid ? treeCpuSeconds(options.dbPid) : null;
				const machineAfter = machineBusySeconds();
				const sorted = latencies.subarray(0, count).sort();
				const generatorCpuPct = ((cpu.user + cpu.system) / 1e6 / wallS) * 100;
				const appCpuPct = appBefore !== null && appAfter !== null ? ((appAfter - appBefore) / wallS) * 100 : null;
				const dbCpuPct = dbBefore && dbAfter && dbAfter.size > 0 ? (treeCpuDelta(dbBefore, dbAfter) / wallS) * 100 : null;
				const machinePct = machineBefore !== null && machineAfter !== null ? ((machineAfter - machineBefore) / wallS) * 100 : null;
				const otherCpuPct =
					machinePct !== null && (appCpuPct !== null || !options.appPid) ? Math.max(0, machinePct - generatorCpuPct - (appCpuPct ?? 0) - (dbCpuPct ?? 0)) : null;
				const statusCodes: Record<string, number> = {};
				for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stat.count ?? 0;
				resolve({
					reqPerS: result.requests.average,
					p50Ms: percentile(sorted, 50),
					p95Ms: percentile(sorted, 95),
					responses2xx: result['2xx'],
					requestsSent: result.requests.sent,
					non2xx: result.non2xx,
					errors: result.errors,
					timeouts: result.timeouts,
					statusCodes,
					generatorCpuPct,
					appCpuPct,
					dbCpuPct,
					otherCpuPct,
					wallS
				});
			}
		);
		instance.on('response', (_client, statusCode, _bytes, responseTime) => {
			if (statusCode >= 200 && statusCode < 300) record(responseTime);
		});
	});
}
