import { describe, expect, it } from 'vitest';
import { OrderedAcks } from './ordered-acks';

/** The packet ids in the PUBACKs written, in order. */
function recorder() {
	const written: number[] = [];
	const acks = new OrderedAcks((bytes) => {
		for (let i = 0; i < bytes.length; i += 4) {
			expect([bytes[i], bytes[i + 1]]).toEqual([0x40, 2]);
			written.push(bytes.readUInt16BE(i + 2));
		}
	});
	return { acks, written };
}

describe('OrderedAcks', () => {
	it('acknowledges in arrival order: a message stored early waits for older ones', () => {
		const { acks, written } = recorder();
		const a = acks.track(7);
		const b = acks.track(8);
		const c = acks.track(65535);
		c();
		b();
		expect(written).toEqual([]);
		expect(acks.pending).toBe(3);
		a();
		expect(written).toEqual([7, 8, 65535]);
		expect(acks.pending).toBe(0);
	});

	it('forgets what was pending on a connection that closed', () => {
		const { acks, written } = recorder();
		const old = acks.track(1);
		acks.reset();
		const fresh = acks.track(1);
		old();
		expect(written).toEqual([]);
		fresh();
		expect(written).toEqual([1]);
	});

	it('stays correct over many messages (the front is dropped as it is acknowledged)', () => {
		const { acks, written } = recorder();
		const dones = Array.from({ length: 20_000 }, (_, i) => acks.track((i % 65535) + 1));
		// Stored out of order in batches, as group commits finish.
		for (let i = dones.length - 1; i >= 10_000; i--) dones[i]!();
		for (let i = 0; i < 10_000; i++) dones[i]!();
		expect(written.length).toBe(20_000);
		expect(written.slice(0, 3)).toEqual([1, 2, 3]);
		expect(acks.pending).toBe(0);
		acks.track(5)();
		expect(written.at(-1)).toBe(5);
	});
});
