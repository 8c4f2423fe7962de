import { describe, expect, it } from 'vitest';
import { holdLabel, sessionGate } from './session-gate';

const CLAIMS = `select set_config('request.jwt.claims', $1, true), set_config('role', 'authenticated', true)`;

/** A gate on a hand-driven clock, measuring CPU and run-queue time from `m` as well. */
function measuredGate() {
	const m = { clock: 0, cpu: 0, runQueue: 0 };
	const gate = sessionGate(
		() => m.clock,
		() => ({ cpuMs: m.cpu, runQueueMs: m.runQueue })
	);
	return { gate, m };
}

describe('the session gate names its longest holds', () => {
	it('by the statement after the claims, for a batch and for an interactive transaction, longest first, with CPU and run-queue time when measured', async () => {
		const { gate, m } = measuredGate();
		await gate.run('normal', 'batch', holdLabel([CLAIMS, 'insert into  resident\n  (id) values ($1)']), async () => {
			m.clock += 30;
			m.cpu += 12;
			m.runQueue += 15;
		});
		const release = await gate.acquire('normal', 'transaction');
		gate.turn(CLAIMS);
		gate.turn('delete from rollup_pending where batch_at = any ($1)');
		m.clock += 50;
		m.cpu += 3;
		release();
		await gate.run('realtime', 'copy', holdLabel(['copy reading from stdin']), async () => {
			m.clock += 5;
		});
		expect(gate.stats().slowest).toEqual([
			{ hold: 'normal transaction', ms: 50, cpuMs: 3, runQueueMs: 0, what: 'delete from rollup_pending where batch_at = any ($1)', turns: 2 },
			{ hold: 'normal batch', ms: 30, cpuMs: 12, runQueueMs: 15, what: 'insert into resident (id) values ($1)', turns: 0 },
			{ hold: 'realtime copy', ms: 5, cpuMs: 0, runQueueMs: 0, what: 'copy reading from stdin', turns: 0 }
		]);
		expect(gate.stats().holds['normal batch']!.cpu).toMatchObject({ count: 1, max: 12 });
		expect(gate.stats(true).holds['normal batch']!.runQueue).toMatchObject({ count: 1, max: 15 });
		expect(gate.stats().slowest).toEqual([]);
	});
});

describe('the session gate sums holds per first statement', () => {
	it('by the sum of their squared times, largest first, and counts labels beyond the limit together', async () => {
		let clock = 0;
		const gate = sessionGate(() => clock);
		const hold = (what: string, ms: number) => gate.run('normal', 'batch', what, async () => void (clock += ms));
		// Ten holds of 2 ms cost the readings less than one of 10 ms: 40 against 100.
		for (let i = 0; i < 10; i++) await hold('import chunk', 2);
		await hold('rollup flush', 10);
		for (let i = 0; i < 60; i++) await hold(`statement ${i}`, 1);
		const { byWhat } = gate.stats();
		// 48 labels kept apart; the last 14 statements counted together.
		expect(byWhat).toHaveLength(49);
		expect(byWhat.slice(0, 3)).toEqual([
			{ hold: 'normal batch', what: 'rollup flush', count: 1, ms: 10, maxMs: 10, squaredMs: 100, cpuMs: null },
			{ hold: 'normal batch', what: 'import chunk', count: 10, ms: 20, maxMs: 2, squaredMs: 40, cpuMs: null },
			{ hold: 'normal batch', what: '(other)', count: 14, ms: 14, maxMs: 1, squaredMs: 14, cpuMs: null }
		]);
	});
});

describe('the session gate measures waits from the send', () => {
	it('counts the time a request sat unread behind a hold (sent during it, read after it) as waiting', async () => {
		let clock = 0;
		const gate = sessionGate(() => clock);
		// A normal hold of 40 ms: the worker reads nothing meanwhile.
		await gate.run('normal', 'batch', 'letter', async () => {
			clock += 40;
		});
		// A batch of readings sent 10 ms into that hold is read when it ends, finds the session free.
		await gate.run('realtime', 'copy', 'readings', async () => void (clock += 2), 10);
		const { realtime } = gate.stats().waits;
		// From the read: no wait. From the send: the 30 ms it sat unread.
		expect(realtime).toMatchObject({ count: 1, max: 0, waited: 1 });
		expect(realtime.fromSend).toMatchObject({ count: 1, max: 30 });
		expect(realtime.unread).toMatchObject({ count: 1, max: 30 });
	});

	it('adds the wait in the queue of the gate to the unread time', async () => {
		let clock = 0;
		const gate = sessionGate(() => clock);
		await gate.run('realtime', 'copy', 'readings', async () => void (clock += 1));
		const release = await gate.acquire('normal', 'transaction');
		clock += 5;
		// Sent at 3, read at 6 while the transaction holds the session, granted at 20.
		const realtime = gate.run('realtime', 'copy', 'readings', async () => {}, 3);
		clock += 14;
		release();
		await realtime;
		const waits = gate.stats().waits.realtime;
		expect(waits.max).toBe(14);
		expect(waits.fromSend.max).toBe(17);
		expect(waits.unread.max).toBe(3);
	});
});

describe('the session gate traces a request when it measures', () => {
	it('stamps read, grant and release with CPU and run-queue time, and names the hold in progress when the request was sent', async () => {
		const { gate, m } = measuredGate();
		await gate.run('normal', 'batch', 'insert into house', async () => void (m.clock += 40));
		await gate.run('normal', 'batch', 'select number_format from letter_settings', async () => void (m.clock += 10));
		// Sent 20 ms into the house insert (the settings read followed it), read at 50, granted at once.
		const trace: Parameters<typeof gate.run>[5] = {};
		await gate.run(
			'realtime',
			'copy',
			'copy reading',
			async () => {
				m.clock += 7;
				m.cpu += 3;
				m.runQueue += 2;
			},
			20,
			trace
		);
		const epoch = (t: number) => t + performance.timeOrigin;
		expect(trace).toEqual({ readAt: epoch(50), grantedAt: epoch(50), releasedAt: epoch(57), cpuMs: 3, runQueueMs: 2, during: 'normal batch: insert into house' });
		// Sent while the session was free: nothing held it.
		const free: Parameters<typeof gate.run>[5] = {};
		m.clock += 5;
		await gate.run('realtime', 'copy', 'copy reading', async () => {}, 60, free);
		expect(free.during).toBeNull();
		// Sent while an interactive transaction holds it: that one, by its first statement.
		const release = await gate.acquire('normal', 'transaction');
		gate.turn('update letter_request set status = $1');
		const waiting: Parameters<typeof gate.run>[5] = {};
		const realtime = gate.run('realtime', 'copy', 'copy reading', async () => {}, m.clock, waiting);
		m.clock += 4;
		release();
		await realtime;
		expect(waiting).toMatchObject({ during: 'normal transaction: update letter_request set status = $1', readAt: epoch(62), grantedAt: epoch(66) });
	});

	it('without measuring leaves the trace alone', async () => {
		const gate = sessionGate(() => 0);
		const trace: Parameters<typeof gate.run>[5] = {};
		await gate.run('realtime', 'copy', 'copy reading', async () => {}, 0, trace);
		expect(trace).toEqual({});
	});
});

describe('the session gate puts realtime work first', () => {
	const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

	it('while realtime work is about, grants normal work on a later turn, so a realtime request read in the same turn goes before it', async () => {
		const gate = sessionGate();
		const order: string[] = [];
		await gate.run('realtime', 'copy', 'readings', async () => void order.push('realtime 0'));
		const normal = gate.run('normal', 'batch', 'import chunk', async () => void order.push('normal'));
		const realtime = gate.run('realtime', 'copy', 'readings', async () => void order.push('realtime'));
		await Promise.all([normal, realtime]);
		expect(order).toEqual(['realtime 0', 'realtime', 'normal']);
	});

	it('while realtime work is about, lets normal work rest after a hold, and a realtime request in the rest goes first', async () => {
		const gate = sessionGate();
		const order: string[] = [];
		await gate.run('realtime', 'copy', 'readings', async () => void order.push('realtime 1'));
		// A long normal hold, and the next normal request queued behind it.
		const first = gate.run('normal', 'batch', 'letter', () => new Promise<void>((resolve) => setTimeout(() => (order.push('normal 1'), resolve()), 100)));
		const second = gate.run('normal', 'batch', 'letter', async () => void order.push('normal 2'));
		await first;
		await turn();
		await turn();
		// The session is free but the second normal request rests: this one goes first.
		await gate.run('realtime', 'copy', 'readings', async () => void order.push('realtime 2'));
		await second;
		expect(order).toEqual(['realtime 1', 'normal 1', 'realtime 2', 'normal 2']);
	});

	it('without realtime work about, normal work does not rest', async () => {
		const gate = sessionGate();
		const order: string[] = [];
		const first = gate.run('normal', 'batch', 'import chunk', () => new Promise<void>((resolve) => setTimeout(() => (order.push('normal 1'), resolve()), 100)));
		const second = gate.run('normal', 'batch', 'import chunk', async () => void order.push('normal 2'));
		await first;
		await turn();
		await turn();
		order.push('two turns later');
		await second;
		expect(order).toEqual(['normal 1', 'normal 2', 'two turns later']);
	});
});
