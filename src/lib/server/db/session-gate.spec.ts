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
