import type { Role } from '$lib/domain/roles';
import { seededRandom } from '$lib/domain/random';
import type { Database } from '../db';
import { hashPassword } from '../auth/passwords';
import type { PiiKeys } from '../crypto/pii';
import { generateFamilies, writeFamilies } from './population';
import { seedLetterCatalogue } from '../letters/catalogue';
import { rtLabel } from '$lib/domain/registry';

/** Where the catalogue's links to other offices point for a Jakarta RW. */
export const DEMO_LINKS = {
	'LINK-DUKCAPIL': 'https://dukcapil.jakarta.go.id',
	'LINK-OSS': 'https://oss.go.id',
	'LINK-KOTA': 'https://jaki.jakarta.go.id'
};

/** The demo RW: a real kelurahan in North Jakarta, prone to flooding. */
export const DEMO_RW = {
	code: 'RW012',
	name: 'RW 012 Kelurahan Pegangsaan Dua',
	kelurahan: 'Pegangsaan Dua',
	kecamatan: 'Kelapa Gading',
	city: 'Jakarta Utara',
	address: 'Jl. Pegangsaan Dua, Kelapa Gading, Jakarta Utara 14250',
	lat: -6.155,
	lng: 106.905
} as const;

export const DEMO_RT_COUNT = 5;
export const DEMO_HOUSES_PER_RT = 20;

export const DEMO_USERS: readonly { phone: string; name: string; role: Role; rt?: number }[] = [
	{ phone: '+6281200000001', name: 'Siti Rahmawati', role: 'resident', rt: 1 },
	{ phone: '+6281200000002', name: 'Bambang Sutrisno', role: 'rt_head', rt: 1 },
	{ phone: '+6281200000003', name: 'Hendra Wijaya', role: 'rw_admin' },
	{ phone: '+6281200000004', name: 'Dewi Lestari', role: 'treasurer' },
	{ phone: '+6281200000005', name: 'Joko Santoso', role: 'security_officer' }
];

const CATEGORIES = ['house', 'house', 'house', 'house', 'house', 'house', 'shop', 'empty_lot'] as const;

/**
 * Seeds the demo RW once (skipped when RW012 exists): 5 RTs, 100 houses laid out
 * in blocks around −6.155, 106.905, one user per role, and a registry of about
 * 350 residents in the inhabited houses; the demo resident is linked to her
 * household record. Returns whether it seeded.
 */
export async function seedDemo(db: Database, options: { password: string; pii: PiiKeys }): Promise<boolean> {
	const existing = await db.query('select 1 from rw where code = $1', [DEMO_RW.code]);
	if (existing.length > 0) return false;
	const hashes = await Promise.all(DEMO_USERS.map(() => hashPassword(options.password)));
	const random = seededRandom(12);

	await db.transaction(async (tx) => {
		const rw = await tx.query<{ id: string }>(
			`insert into rw (code, name, kelurahan, kecamatan, city, address, lat, lng)
			 values ($1, $2, $3, $4, $5, $6, $7, $8) returning id`,
			[DEMO_RW.code, DEMO_RW.name, DEMO_RW.kelurahan, DEMO_RW.kecamatan, DEMO_RW.city, DEMO_RW.address, DEMO_RW.lat, DEMO_RW.lng]
		);
		const rwId = rw[0]!.id;
		const rtIds: string[] = [];
		const firstHouseOfRt: string[] = [];
		for (let n = 1; n <= DEMO_RT_COUNT; n++) {
			const rt = await tx.query<{ id: string }>(
				'insert into rt (rw_id, number, name) values ($1, $2, $3) returning id',
				[rwId, n, rtLabel(n)]
			);
			const rtId = rt[0]!.id;
			rtIds.push(rtId);
			// Each RT is a strip of about 150 m × 60 m; houses along two lanes (blocks).
			const blocks = [], numbers = [], categories = [], lats = [], lngs = [];
			for (let i = 0; i < DEMO_HOUSES_PER_RT; i++) {
				const block = `${String.fromCharCode(64 + n)}${1 + Math.floor(i / 10)}`;
				blocks.push(block);
				numbers.push(String((i % 10) + 1));
				categories.push(CATEGORIES[Math.floor(random() * CATEGORIES.length)]!);
				lats.push(DEMO_RW.lat - 0.002 + (n - 1) * 0.0009 + Math.floor(i / 10) * 0.0003 + random() * 0.00005);
				lngs.push(DEMO_RW.lng - 0.0015 + (i % 10) * 0.0003 + random() * 0.00005);
			}
			const houses = await tx.query<{ id: string }>(
				`insert into house (rw_id, rt_id, block, number, category, lat, lng)
				 select $1, $2, b, n, c, la, ln
				   from unnest($3::text[], $4::text[], $5::text[], $6::float8[], $7::float8[]) as t(b, n, c, la, ln)
				 returning id`,
				[rwId, rtId, blocks, numbers, categories, lats, lngs]
			);
			firstHouseOfRt.push(houses[0]!.id);
		}
		const inhabited = await tx.query<{ id: string; rt_id: string }>(
			`select h.id, h.rt_id from house h join rt on rt.id = h.rt_id
			  where h.rw_id = $1 and (h.category <> 'empty_lot' or h.id = any ($2::uuid[])) order by rt.number, h.block, h.number::int`,
			[rwId, firstHouseOfRt]
		);
		const families = generateFamilies(12, 350);
		// The demo resident heads the household in the first house of RT 001.
		const siti = families[0]!.people[0]!;
		Object.assign(siti, { name: 'Siti Rahmawati', sex: 'P', relation: 'kepala_keluarga', nik: '3172064508880001', birth_date: '1988-08-05', birth_place: 'Jakarta', religion: 'islam', marital_status: 'kawin', occupation: 'Pedagang' });
		await writeFamilies(tx, options.pii, rwId, inhabited, families);

		for (const [i, user] of DEMO_USERS.entries()) {
			const created = await tx.query<{ id: string }>(
				'insert into app_user (phone, name, password_hash) values ($1, $2, $3) returning id',
				[user.phone, user.name, hashes[i]]
			);
			const rtId = user.rt ? rtIds[user.rt - 1]! : null;
			const houseId = user.role === 'resident' && user.rt ? firstHouseOfRt[user.rt - 1]! : null;
			await tx.query(
				'insert into membership (user_id, rw_id, role, rt_id, house_id) values ($1, $2, $3, $4, $5)',
				[created[0]!.id, rwId, user.role, rtId, houseId]
			);
			if (user.role === 'resident') {
				await tx.query(`update resident set user_id = $1, phone = $2 where rw_id = $3 and name = 'Siti Rahmawati'`, [
					created[0]!.id,
					user.phone,
					rwId
				]);
			}
		}
		await seedLetterCatalogue(tx, rwId, { place: 'Jakarta', links: DEMO_LINKS });
	});
	// Fresh planner statistics (PGlite has no autovacuum to gather them).
	await db.exec('analyze');
	return true;
}
