import { describe, expect, it } from 'vitest';
import { holdLabel, sessionGate } from './session-gate';

const CLAIMS = `select set_config('request.jwt.claims', $1, true), set_config('role', 'authenticated', true)`;

describe('the session gate names its longest holds', () => {
	it('by the statement after the claims, for a batch and for an interactive transaction, longest first, with CPU time when measured', async () => {
		let clock = 0;
		let cpu = 0;
		const gate = sessionGate(
			() => clock,
			() => cpu
		);
		await gate.run('normal', 'batch', holdLabel([CLAIMS, 'insert into  resident\n  (id) values ($1)']), async () => {
			clock += 30;
			cpu += 12;
		});
		const release = await gate.acquire('normal', 'transaction');
		gate.turn(CLAIMS);
		gate.turn('delete from rollup_pending where batch_at = any ($1)');
		clock += 50;
		cpu += 3;
		release();
		await gate.run('realtime', 'copy', holdLabel(['copy reading from stdin']), async () => {
			clock += 5;
		});
		expect(gate.stats().slowest).toEqual([
			{ hold: 'normal transaction', ms: 50, cpuMs: 3, what: 'delete from rollup_pending where batch_at = any ($1)', turns: 2 },
			{ hold: 'normal batch', ms: 30, cpuMs: 12, what: 'insert into resident (id) values ($1)', turns: 0 },
			{ hold: 'realtime copy', ms: 5, cpuMs: 0, what: 'copy reading from stdin', turns: 0 }
		]);
		expect(gate.stats(true).holds['normal batch']!.cpu).toMatchObject({ count: 1, max: 12 });
		expect(gate.stats().slowest).toEqual([]);
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
