import { seededRandom } from '$lib/domain/random';
import type { Sql } from '../db';
import type { PiiKeys } from '../crypto/pii';
import type { ResidentInput } from '$lib/schemas/registry';
import { insertHouseholds, insertResidents } from '../registry/records';
import { sealKk } from '../registry/sealing';

// Synthetic but well-formed population for the demo RW and benchmarks: NIKs carry
// the Kelapa Gading region code (31 72 06) and each person's birth date and sex.
const MEN = ['Agus', 'Budi', 'Dedi', 'Eko', 'Fajar', 'Hadi', 'Irfan', 'Joko', 'Rudi', 'Slamet', 'Teguh', 'Wahyu', 'Yusuf', 'Rizky', 'Dimas', 'Bayu', 'Andi', 'Hendra', 'Arif', 'Taufik'];
const WOMEN = ['Ani', 'Dewi', 'Fitri', 'Indah', 'Lestari', 'Maya', 'Nur', 'Putri', 'Rina', 'Sari', 'Siti', 'Tuti', 'Wati', 'Yanti', 'Ayu', 'Rahma', 'Intan', 'Mega', 'Ratna', 'Lina'];
const FAMILY = ['Saputra', 'Wijaya', 'Hidayat', 'Santoso', 'Pratama', 'Kurniawan', 'Siregar', 'Nasution', 'Simanjuntak', 'Gunawan', 'Setiawan', 'Hakim', 'Lubis', 'Rahman', 'Susanto', 'Halim', 'Tanjung', 'Purba', 'Sihombing', 'Utomo'];
const JOBS = ['Karyawan swasta', 'Wiraswasta', 'Pedagang', 'PNS', 'Guru', 'Pelajar/Mahasiswa', 'Mengurus rumah tangga', 'Sopir', 'Buruh harian lepas', 'Pensiunan'];
const RELIGIONS = ['islam', 'islam', 'islam', 'islam', 'kristen', 'katolik', 'buddha', 'hindu', 'konghucu'];
const REGION = '317206';

export interface Person {
	nik: string;
	name: string;
	birth_place: string;
	birth_date: string;
	sex: 'L' | 'P';
	religion: string;
	marital_status: string;
	relation: string;
	occupation: string;
	status: string;
}

export interface Family {
	kk: string;
	people: Person[];
}

function nikFor(birth: Date, sex: 'L' | 'P', sequence: number): string {
	const day = birth.getUTCDate() + (sex === 'P' ? 40 : 0);
	const pad = (n: number, w = 2) => String(n).padStart(w, '0');
	return `${REGION}${pad(day)}${pad(birth.getUTCMonth() + 1)}${pad(birth.getUTCFullYear() % 100)}${pad(sequence % 9999 + 1, 4)}`;
}

/** Families of 1–6 people with consistent ages, relations and NIKs; deterministic per seed. */
export function generateFamilies(seed: number, people: number, firstSequence = 0): Family[] {
	const random = seededRandom(seed);
	const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
	const birthBetween = (fromYear: number, toYear: number) =>
		new Date(Date.UTC(fromYear, 0, 1) + Math.floor(random() * (toYear - fromYear) * 365.25 * 86_400_000));
	const families: Family[] = [];
	let made = 0;
	let sequence = firstSequence;
	const used = new Set<string>();
	const person = (sex: 'L' | 'P', birth: Date, relation: string, family: string, extra: Partial<Person> = {}): Person => {
		let nik: string;
		do nik = nikFor(birth, sex, ++sequence);
		while (used.has(nik));
		used.add(nik);
		const adult = birth.getUTCFullYear() < 2006;
		return {
			nik,
			name: `${pick(sex === 'L' ? MEN : WOMEN)} ${family}`,
			birth_place: pick(['Jakarta', 'Jakarta', 'Bekasi', 'Bogor', 'Medan', 'Surabaya', 'Semarang', 'Padang']),
			birth_date: birth.toISOString().slice(0, 10),
			sex,
			religion: pick(RELIGIONS),
			marital_status: relation === 'anak' ? 'belum_kawin' : 'kawin',
			relation,
			occupation: adult ? pick(JOBS) : 'Pelajar/Mahasiswa',
			status: random() < 0.9 ? 'permanent' : 'temporary',
			...extra
		};
	};
	while (made < people) {
		const family = pick(FAMILY);
		const size = Math.min(people - made, 1 + Math.floor(random() * 6));
		const headSex: 'L' | 'P' = random() < 0.85 ? 'L' : 'P';
		const headBirth = birthBetween(1950, 1998);
		const members = [person(headSex, headBirth, 'kepala_keluarga', family, size === 1 ? { marital_status: pick(['belum_kawin', 'cerai_mati']) } : {})];
		if (size > 1) {
			const spouseSex = headSex === 'L' ? 'P' : 'L';
			members.push(person(spouseSex, birthBetween(headBirth.getUTCFullYear() - 3, headBirth.getUTCFullYear() + 5), spouseSex === 'P' ? 'istri' : 'suami', family));
		}
		while (members.length < size) {
			const childYear = Math.min(2025, headBirth.getUTCFullYear() + 20 + Math.floor(random() * 25));
			members.push(person(random() < 0.5 ? 'L' : 'P', birthBetween(childYear, childYear + 1), 'anak', family));
		}
		families.push({ kk: `${REGION}${String(100000 + families.length + firstSequence).slice(-6)}${String((families.length + firstSequence) % 9999 + 1).padStart(4, '0')}`, people: members });
		made += size;
	}
	return families;
}

/**
 * Writes families into houses (round-robin) as the system (no RLS), in two
 * statements: households, then residents, each from unnest arrays.
 */
export async function writeFamilies(
	tx: Sql,
	keys: PiiKeys,
	rwId: string,
	houses: { id: string; rt_id: string }[],
	families: Family[]
): Promise<void> {
	if (families.length === 0 || houses.length === 0) return;
	const ids = await insertHouseholds(
		tx,
		rwId,
		families.map((f, i) => {
			const house = houses[i % houses.length]!;
			return { rtId: house.rt_id, houseId: house.id, kk: sealKk(keys, f.kk), address: '' };
		})
	);
	// Same write path as the registry itself (NIK sealed, RT from the household).
	const people = families.flatMap((f, i) =>
		f.people.map((p) => ({ ...p, phone: null, household_id: ids[i]! }) as unknown as ResidentInput & { household_id: string })
	);
	for (let start = 0; start < people.length; start += 5000) await insertResidents(tx, keys, rwId, people.slice(start, start + 5000));
}
