import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pickupSlots } from '../../src/lib/domain/pickup';
import type { Database } from '../../src/lib/server/db/types';
import { bookPickup, listPickups, markPickedUp, openSlots } from '../../src/lib/server/letters/issued';
import { getRequest } from '../../src/lib/server/letters/requests';
import { TEST_NOW } from '../factories/clock';
import { freshDatabase } from '../factories/db';
import { issuedLetters, makeHousehold, seedCatalogue, testPii } from '../factories/letters';
import { makeMember, makeRw, type TestRw } from '../factories/tenancy';

/**
 * Pick-up of issued letters at the RW secretariat: slots within capacity (also when
 * bookings race, on PostgreSQL), and the desk marking a letter as picked up.
 */
type Member = Awaited<ReturnType<typeof makeMember>>;

let db: Database;
let rw: TestRw;
let resident: Member;
let admin: Member;
let head: Member;
let subjectId: string;

/** Office hours every day 08:00–12:00 WIB, slots of 60 minutes, `perSlot` people each. */
async function officeHours(perSlot: number) {
	const hours = Array.from({ length: 7 }, (_, i) => ({ weekday: i + 1, start: '08:00', end: '12:00' }));
	await db.query('update letter_settings set per_slot = $2, slot_minutes = 60, office_hours = $3::text::jsonb where rw_id = $1', [rw.id, perSlot, JSON.stringify(hours)]);
	return pickupSlots(hours, 60, TEST_NOW, 14);
}
const letters = (n: number) => issuedLetters(db, rw, { requesterId: resident.id, subjectId, issuerId: admin.id }, n);
const bookedIn = async (slot: Date) =>
	(await db.query<{ n: number }>('select count(*)::int as n from pickup_booking where rw_id = $1 and slot_start = $2 and cancelled_at is null', [rw.id, slot]))[0]!.n;

beforeAll(async () => {
	// Bookings race on separate connections (PostgreSQL); PGlite has one session anyway.
	db = await freshDatabase({ max: 10 });
	rw = await makeRw(db, 1, 1);
	await seedCatalogue(db, rw);
	resident = await makeMember(db, rw, 'resident', { houseId: rw.houses[0]!.id });
	admin = await makeMember(db, rw, 'rw_admin');
	head = await makeMember(db, rw, 'rt_head', { rtIndex: 0 });
	subjectId = (await makeHousehold(db, testPii(), rw, rw.houses[0]!.id, [{ name: 'Pemohon' }], resident.id)).residentIds[0]!;
});
afterAll(async () => db?.close());

describe('pick-up slots', () => {
	it('offers the slots of the office hours from 30 minutes after now, and fills each to its capacity', async () => {
		const slots = await officeHours(2);
		const offered = await openSlots(db, resident, TEST_NOW);
		// 10:00 WIB now: the 11:00 slot is the first one today (10:00 has begun).
		expect(offered[0]).toEqual({ start: '2026-12-01T04:00:00.000Z', free: 2 });
		expect(offered.map((s) => s.start)).toEqual(slots.map((s) => s.toISOString()));
		const slot = slots[0]!;
		const [a, b, c] = await letters(3);
		expect(await bookPickup(db, resident, a!, slot, TEST_NOW)).toBe('ok');
		expect((await openSlots(db, resident, TEST_NOW))[0]).toEqual({ start: slot.toISOString(), free: 1 });
		expect(await bookPickup(db, resident, b!, slot, TEST_NOW)).toBe('ok');
		expect(await bookPickup(db, resident, c!, slot, TEST_NOW)).toBe('full');
		expect((await openSlots(db, resident, TEST_NOW)).map((s) => s.start)).not.toContain(slot.toISOString());
		// Moving a booking frees its old slot.
		expect(await bookPickup(db, resident, a!, slots[1]!, TEST_NOW)).toBe('ok');
		expect(await bookedIn(slot)).toBe(1);
		expect(await bookPickup(db, resident, c!, slot, TEST_NOW)).toBe('ok');
		// Not a slot start, already past, or beyond the 14 days offered.
		expect(await bookPickup(db, resident, c!, new Date(slot.getTime() + 60_000), TEST_NOW)).toBe('bad_slot');
		expect(await bookPickup(db, resident, c!, new Date('2026-12-01T01:00:00Z'), TEST_NOW)).toBe('bad_slot');
		expect(await bookPickup(db, resident, c!, new Date('2026-12-20T02:00:00Z'), TEST_NOW)).toBe('bad_slot');
	});

	// PGlite runs one transaction at a time, so only PostgreSQL can show the race the
	// per-RW advisory lock closes: without it, every booking counts the slot empty.
	it.runIf(process.env.DATABASE_URL)('never puts more people in a slot than it takes when bookings race (PostgreSQL)', async () => {
		const slots = (await officeHours(2)).slice(-5);
		// Ten at once for each of five slots: one round may miss the race, five hardly.
		for (const slot of slots) {
			const ids = await letters(10);
			const results = await Promise.all(ids.map((id) => bookPickup(db, resident, id, slot, TEST_NOW)));
			expect(results.filter((r) => r === 'ok')).toHaveLength(2);
			expect(results.filter((r) => r === 'full')).toHaveLength(8);
			expect(await bookedIn(slot)).toBe(2);
		}
	});
});

describe('the pick-up desk', () => {
	it('marks a letter picked up once, by the RW admin only; it can be booked no more', async () => {
		const slots = await officeHours(5);
		const [id, other] = await letters(2);
		expect(await bookPickup(db, resident, id!, slots[2]!, TEST_NOW)).toBe('ok');
		const listed = await listPickups(db, admin, TEST_NOW);
		expect(listed.find((p) => p.request_id === id)).toMatchObject({ slot_start: slots[2], picked_up_at: null });

		expect(await markPickedUp(db, head, id!)).toBe('not_found');
		expect(await markPickedUp(db, resident, id!)).toBe('not_found');
		expect(await markPickedUp(db, admin, id!)).toBe('ok');
		expect(await markPickedUp(db, admin, id!)).toBe('conflict');
		expect((await listPickups(db, admin, TEST_NOW)).find((p) => p.request_id === id)!.picked_up_at).not.toBeNull();
		const [stored] = await db.query<{ picked_up_by: string }>('select picked_up_by from letter where request_id = $1', [id]);
		expect(stored!.picked_up_by).toBe(admin.id);
		// The resident sees it in the timeline, and cannot book a slot for it any more.
		expect((await getRequest(db, resident, id!))!.events.map((e) => e.action)).toContain('picked_up');
		expect(await bookPickup(db, resident, id!, slots[3]!, TEST_NOW)).toBe('conflict');
		// A letter nobody booked can be handed over too.
		expect(await markPickedUp(db, admin, other!)).toBe('ok');
		expect(await markPickedUp(db, admin, '00000000-0000-4000-8000-000000000000')).toBe('not_found');
	});
});
