import { describe, expect, it } from 'vitest';
import { OrderedAcks } from './ordered-acks';

/** The packet ids in the PUBACKs written, in order; `turn()` ends the current event-loop turn. */
function recorder() {
	const written: number[] = [];
	let deferred: (() => void)[] = [];
	const acks = new OrderedAcks(
		(bytes) => {
			for (let i = 0; i < bytes.length; i += 4) {
				expect([bytes[i], bytes[i + 1]]).toEqual([0x40, 2]);
				written.push(bytes.readUInt16BE(i + 2));
			}
		},
		undefined,
		(flush) => deferred.push(flush)
	);
	const turn = () => {
		const run = deferred;
		deferred = [];
		for (const f of run) f();
	};
	return { acks, written, turn };
}

describe('OrderedAcks', () => {
	it('acknowledges in arrival order: a message stored early waits for older ones', () => {
		const { acks, written, turn } = recorder();
		const a = acks.track(7);
		const b = acks.track(8);
		const c = acks.track(65535);
		c();
		b();
		turn();
		expect(written).toEqual([]);
		expect(acks.pending).toBe(3);
		a();
		turn();
		expect(written).toEqual([7, 8, 65535]);
		expect(acks.pending).toBe(0);
	});

	it('writes the PUBACKs that became due in one turn together, after the turn', () => {
		const { acks, written, turn } = recorder();
		const dones = Array.from({ length: 5000 }, (_, i) => acks.track(i + 1));
		for (const done of dones) done();
		expect(written).toEqual([]);
		turn();
		expect(written.length).toBe(5000);
		expect(acks.writes).toBe(1);
		expect(acks.maxPending).toBe(5000);
	});

	it('forgets what was pending on a connection that closed', () => {
		const { acks, written, turn } = recorder();
		const old = acks.track(1);
		old();
		acks.reset();
		const fresh = acks.track(1);
		const next = acks.track(2);
		// Stored within the turn whose flush the old connection had asked for.
		fresh();
		turn();
		expect(written).toEqual([1]);
		next();
		turn();
		expect(written).toEqual([1, 2]);
	});

	it('stays correct over many messages (the front is dropped as it is acknowledged)', () => {
		const { acks, written, turn } = recorder();
		const dones = Array.from({ length: 20_000 }, (_, i) => acks.track((i % 65535) + 1));
		// Stored out of order in batches, as group commits finish.
		for (let i = dones.length - 1; i >= 10_000; i--) dones[i]!();
		turn();
		for (let i = 0; i < 10_000; i++) {
			dones[i]!();
			if (i % 1000 === 999) turn();
		}
		expect(written.length).toBe(20_000);
		expect(written.slice(0, 3)).toEqual([1, 2, 3]);
		expect(acks.pending).toBe(0);
		acks.track(5)();
		turn();
		expect(written.at(-1)).toBe(5);
	});
});
