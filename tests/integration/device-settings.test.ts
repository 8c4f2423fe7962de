import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/lib/server/db/types';
import { createDevice, rotateSecret, secretMatches } from '../../src/lib/server/devices/devices';
import { freshDatabase } from '../factories/db';
import { makeMember, makeRw, type TestRw } from '../factories/tenancy';

let db: Database;
let rw: TestRw;
let admin: Awaited<ReturnType<typeof makeMember>>;

beforeAll(async () => {
	db = await freshDatabase();
	rw = await makeRw(db, 1, 1);
	admin = await makeMember(db, rw, 'rw_admin');
});
afterAll(async () => {
	await db?.close();
});

describe('rotating a device secret', () => {
	it("shows the sensor's own settings with the new secret, not the defaults", async () => {
		const created = await createDevice(db, admin, {
			id: 'set-wl-01', kind: 'sensor', name: 'Saluran', rtId: null, lat: null, lng: null, reportIntervalS: 30,
			mountingHeightCm: 180, maxRangeCm: 250, siaga3Cm: 90, siaga2Cm: 120, siaga1Cm: 150
		});
		expect(created.ok).toBe(true);
		const rotated = await rotateSecret(db, admin, 'set-wl-01');
		expect(rotated?.kind).toBe('sensor');
		expect(rotated?.settings).toEqual({ report_interval_s: 30, mounting_height_cm: 180, max_range_cm: 250, siaga3_cm: 90, siaga2_cm: 120, siaga1_cm: 150 });
		const [row] = await db.query<{ secret_hash: string }>('select secret_hash from device where id = $1', ['set-wl-01']);
		expect(secretMatches(row!.secret_hash, rotated!.secret)).toBe(true);
	});

	it('lists no sensor settings for a panic button, and nothing for another RW', async () => {
		await createDevice(db, admin, {
			id: 'set-pb-01', kind: 'panic', name: 'Tombol', rtId: null, lat: null, lng: null, reportIntervalS: 60,
			mountingHeightCm: null, maxRangeCm: 400, siaga3Cm: null, siaga2Cm: null, siaga1Cm: null
		});
		expect((await rotateSecret(db, admin, 'set-pb-01'))?.settings).toEqual({});
		const other = await makeMember(db, await makeRw(db, 1, 1), 'rw_admin');
		expect(await rotateSecret(db, other, 'set-wl-01')).toBeNull();
	});
});
