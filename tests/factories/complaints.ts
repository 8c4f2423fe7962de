import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Database } from '../../src/lib/server/db/types';
import { LocalFileStore } from '../../src/lib/server/storage/files';
import type { ReportInput } from '../../src/lib/server/complaints/service';
import { freshDatabase } from './db';
import { makeRw, type TestRw } from './tenancy';

/** Where RW A's houses start; the others lie northwards from it. */
export const HOME = { lat: -6.2, lng: 106.8 };
/** The point `m` metres north of HOME. */
export const north = (m: number) => ({ lat: HOME.lat + m / 111_195, lng: HOME.lng });

export interface ComplaintsWorld {
	db: Database;
	/** The file store's directory (to read what was stored). */
	dir: string;
	files: LocalFileStore;
	/** 2 RTs of 2 houses, on a line northwards from HOME 30 m apart: RT 1 at 0 and 30 m, RT 2 at 60 and 90 m. */
	rwA: TestRw;
	/** Another RW: 1 RT, 1 house (no map point). */
	rwB: TestRw;
	/** The id of RW A's (or `rw`'s) seeded category with this code (drainage, security, …). */
	category: (code: string, rw?: TestRw) => Promise<string>;
	close: () => Promise<void>;
}

/** A fresh database and file store with two RWs for complaint tests (docs/complaints.md). */
export async function complaintsWorld(): Promise<ComplaintsWorld> {
	const db = await freshDatabase();
	const dir = await mkdtemp(path.join(tmpdir(), 'complaints-'));
	const rwA = await makeRw(db, 2, 2);
	const rwB = await makeRw(db, 1, 1);
	for (const [i, h] of rwA.houses.entries()) await db.query('update house set lat = $2, lng = $3 where id = $1', [h.id, north(i * 30).lat, HOME.lng]);
	return {
		db,
		dir,
		files: new LocalFileStore(dir),
		rwA,
		rwB,
		category: async (code, rw = rwA) => (await db.query<{ id: string }>('select id from complaint_category where rw_id = $1 and code = $2', [rw.id, code]))[0]!.id,
		async close() {
			await db.close();
			await rm(dir, { recursive: true, force: true });
		}
	};
}

/** A report of `categoryId` at HOME, public, without a pin warning or duplicates check unless `over` says so. */
export const complaintInput = (categoryId: string, over: Partial<ReportInput> = {}): ReportInput => ({
	categoryId,
	title: 'Got mampet di depan rumah',
	description: 'Air meluap ke jalan',
	lat: String(HOME.lat),
	lng: String(HOME.lng),
	private: false,
	confirmOutside: false,
	ignoreDuplicates: true,
	...over
});
