// The long work an RW admin starts while sensors report: a registry import of
// `rows` residents (the import job's write, commitRows) and `letters` letters issued
// one after another (decide → number, PDF, file, row), on the benchmark's database.
// Set up before the measured window (an RW with RTs, its admin, the letter
// catalogue, requests approved by the RT); `run()` starts both and settles when both
// have finished.
import type { Database } from '../../src/lib/server/db/types';
import { commitRows, type RawRow } from '../../src/lib/server/registry/registration';
import { decide, type IssueContext } from '../../src/lib/server/letters/review';
import { makeMember, makeRw } from '../../tests/factories/tenancy';
import { makeHousehold, seedCatalogue, tempFileStore, testPii } from '../../tests/factories/letters';
import { newKk, residentRow } from '../../tests/factories/registry';

export interface AdminLoad {
	run(): Promise<{ importMs: number; lettersMs: number; imported: number; issued: number }>;
	close(): Promise<void>;
}

const RTS = 10;
const PER_HOUSEHOLD = 4;

/** A valid, distinct NIK and its birth date (a man born on the 10th) for the i-th row, up to 99,999 rows. */
function person(i: number): { birth: string; nik: string } {
	const year = 1950 + (i % 40);
	const month = 1 + (Math.floor(i / 40) % 12);
	const seq = Math.floor(i / 480) + 1;
	const mm = String(month).padStart(2, '0');
	return { birth: `${year}-${mm}-10`, nik: `31720610${mm}${String(year % 100).padStart(2, '0')}${String(seq).padStart(4, '0')}` };
}

export async function prepareAdminLoad(db: Database, rows: number, letters: number): Promise<AdminLoad> {
	const rw = await makeRw(db, RTS, 1);
	const admin = await makeMember(db, rw, 'rw_admin', { name: 'Admin Beban' });
	const requester = await makeMember(db, rw, 'resident', { houseId: rw.houses[0]!.id, name: 'Pemohon' });
	await seedCatalogue(db, rw);
	const pii = testPii();
	const files = await tempFileStore();
	const subject = await makeHousehold(db, pii, rw, rw.houses[0]!.id, [{ name: 'Pemohon' }], requester.id);
	const requests = await db.query<{ id: string }>(
		`insert into letter_request (rw_id, rt_id, service_id, requester_id, subject_resident_id, status, data, submitted_at, rt_approved_at)
		 select $1, $2, (select id from letter_service where rw_id = $1 and kind = 'SK-DOM'), $3, $4, 'rt_approved', '{"keperluan":"Uji beban"}', now(), now()
		   from generate_series(1, $5) returning id`,
		[rw.id, rw.rts[0]!.id, requester.id, subject.residentIds[0], letters]
	);
	const ctx: IssueContext = { pii, store: files.store, origin: 'https://rukun.bench' };
	const sheet: RawRow[] = [];
	let kk = newKk();
	for (let line = 2; line < rows + 2; line++) {
		const member = (line - 2) % PER_HOUSEHOLD;
		if (member === 0) kk = newKk();
		const household = Math.floor((line - 2) / PER_HOUSEHOLD);
		const { birth, nik } = person(line - 2);
		sheet.push(
			residentRow(line, {
				kk,
				rt: String((household % RTS) + 1),
				house_number: String(household + 1),
				nik,
				birth_date: birth,
				...(member === 0 ? {} : { relation: 'Anak' })
			})
		);
	}
	return {
		async run() {
			const t0 = performance.now();
			const importing = commitRows(db, pii, admin, sheet).then((result) => {
				if (!result.ok) throw new Error(`the import refused its rows: ${JSON.stringify(result.errors.slice(0, 3))}`);
				return { ms: performance.now() - t0, n: result.residents };
			});
			const issuing = (async () => {
				let issued = 0;
				for (const r of requests) {
					const outcome = await decide(db, admin, r.id, 'rw', 'approve', '', ctx);
					if (!outcome.ok) throw new Error(`letter not issued: ${outcome.reason}`);
					issued++;
				}
				return { ms: performance.now() - t0, n: issued };
			})();
			// Both settle before an error is thrown: the caller removes the letters' files then.
			const [imp, issued] = await Promise.all([importing, issuing].map((p) => p.catch((err: unknown) => err))).then((results) => {
				for (const r of results) if (r instanceof Error) throw r;
				return results as { ms: number; n: number }[];
			});
			return { importMs: imp!.ms, lettersMs: issued!.ms, imported: imp!.n, issued: issued!.n };
		},
		close: () => files.cleanup()
	};
}
