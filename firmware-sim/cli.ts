import { SimClock } from './lib/clock';
import { generateFleet, loadDeviceFile, selectDevices, type Fleet } from './lib/credentials';
import { loadScenario } from './lib/scenario';
import { DEVICE_ID, RW_CODE } from './lib/topics';
import { PanicButton } from './devices/panic';
import { runFleet } from './fleet';
import { parseCli, USAGE, type CliOptions } from './options';

const DEFAULT_URL = 'mqtt://localhost:1883';
const PRESS_TIMEOUT_MS = 10_000;

async function loadFleet(o: CliOptions): Promise<Fleet> {
	const counts = { sensors: o.sensors, panic: o.panic, pumps: o.pumps };
	if (o.devices) return selectDevices(await loadDeviceFile(o.devices), counts);
	if (!RW_CODE.test(o.rw)) throw new Error(`--rw must be one topic segment (letters, digits, -), got "${o.rw}"`);
	return generateFleet(o.rw, { sensors: counts.sensors ?? 5, panic: counts.panic ?? 0, pumps: counts.pumps ?? 0 }, o.idPrefix);
}

/** `--press <id>`: one press, acknowledged, then a clean disconnect. */
async function pressOnce(o: CliOptions, id: string): Promise<number> {
	const file = o.devices ? await loadDeviceFile(o.devices) : null;
	const spec = file ? file.panic.find((d) => d.id === id) : { id, kind: 'panic' as const, secret: null };
	if (!spec) throw new Error(`no panic button ${id} in ${o.devices}`);
	if (!DEVICE_ID.test(id)) throw new Error(`device id must match ${DEVICE_ID.source}, got "${id}"`);
	const url = o.url ?? file?.url ?? DEFAULT_URL;
	// Seq 1 again is a new press, not a replay: each run is a new boot (--boot).
	const seqStart = o.seqStart ?? 1;
	const button = new PanicButton(
		spec,
		{ url, rw: file?.rw ?? o.rw, clock: new SimClock(1, 'real'), seed: o.seed, seqStart, boot: o.boot, reconnectMs: o.reconnectMs },
		{ ratePerHour: 0 }
	);
	button.start();
	let timer: NodeJS.Timeout | undefined;
	const acked = await Promise.race([
		button.press().then(() => true),
		new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), PRESS_TIMEOUT_MS)))
	]);
	clearTimeout(timer);
	await button.stop();
	console.log(acked ? `pressed ${id} (boot ${o.boot}, seq ${seqStart}), acknowledged by ${url}` : `press of ${id} not acknowledged by ${url} within ${PRESS_TIMEOUT_MS / 1000} s (connect errors: ${button.stats.connectErrors})`);
	return acked ? 0 : 1;
}

async function main(args: string[]): Promise<number> {
	let o: CliOptions;
	try {
		o = parseCli(args);
	} catch (error) {
		console.error(`sim: ${(error as Error).message}\n\n${USAGE}`);
		return 2;
	}
	if (o.help) {
		console.log(USAGE);
		return 0;
	}
	if (o.press) return pressOnce(o, o.press);
	const fleet = await loadFleet(o);
	const scenario = await loadScenario(o.scenario);
	const stop = new AbortController();
	process.on('SIGINT', () => {
		if (stop.signal.aborted) process.exit(130); // second Ctrl+C: do not wait
		console.log('\nstopping (Ctrl+C again to quit at once)…');
		stop.abort();
	});
	await runFleet(
		{
			url: o.url ?? fleet.url ?? DEFAULT_URL,
			fleet,
			scenario,
			speed: o.speed,
			seed: o.seed,
			durationMin: o.durationMin ?? scenario.duration_min,
			dropRate: o.dropRate,
			panicRatePerH: o.panicRatePerH,
			badRate: o.badRate,
			kill: o.kill,
			tsMode: o.tsMode,
			bufferCapacity: o.bufferCapacity,
			seqStart: o.seqStart ?? 1,
			boot: o.boot,
			reconnectMs: o.reconnectMs,
			statusEveryS: o.statusEveryS,
			log: (line) => console.log(line)
		},
		stop.signal
	);
	return 0;
}

main(process.argv.slice(2)).then(
	(code) => process.exit(code),
	(error: unknown) => {
		console.error(`sim: ${error instanceof Error ? error.message : String(error)}`);
		process.exit(1);
	}
);
