import { withUser, type Database } from '../db';
import { decryptPii, type PiiKeys } from '../crypto/pii';
import type { SessionUser } from '../auth/sessions';
import { translate } from '$lib/i18n';
import { writeXlsx } from './spreadsheet';

const HEADERS = ['NIK', 'No KK', 'Nama', 'Tempat Lahir', 'Tanggal Lahir', 'Jenis Kelamin', 'Agama', 'Status Perkawinan', 'Hubungan Keluarga', 'Pekerjaan', 'No HP', 'RT', 'Blok', 'No Rumah', 'Alamat', 'Status'];

/**
 * The registry the user may see, as the RT's spreadsheet (columns the import
 * reads back). Full NIK/KK numbers leave the system here, so the export needs a
 * reason and is logged like a reveal (UU 27/2022).
 */
export async function exportRegistry(db: Database, keys: PiiKeys, user: SessionUser, reason: string, ip: string): Promise<Uint8Array> {
	const rows = await withUser(db, { sub: user.id, rw_id: user.rwId }, async (tx) => {
		await tx.query(`insert into pii_access_log (rw_id, actor_id, field, reason, ip) values ($1, $2, 'export', $3, $4)`, [user.rwId, user.id, reason, ip]);
		return tx.query<Record<string, string | number | null>>(
			`select r.nik_enc, hh.kk_enc, r.name, r.birth_place, r.birth_date::text as birth_date, r.sex, r.religion,
			        r.marital_status, r.relation, r.occupation, r.phone, rt.number as rt, h.block, h.number as house_number,
			        hh.address, r.status
			   from resident r join household hh on hh.id = r.household_id join house h on h.id = hh.house_id
			   join rt on rt.id = r.rt_id
			  where r.rw_id = $1 order by rt.number, h.block, h.number, r.household_id, r.birth_date`,
			[user.rwId]
		);
	});
	const phone = (p: string | number | null) => (typeof p === 'string' ? `0${p.slice(3)}` : '');
	// Words as an RT writes them in its sheet ("Kepala keluarga", "Tetap"), which the
	// import reads back as the same codes (src/lib/i18n/i18n.spec.ts).
	const word = (prefix: string, code: string | number | null) => (code ? translate('id', `${prefix}.${code}`) : '');
	return writeXlsx(
		'Data warga',
		HEADERS,
		rows.map((r) => [
			decryptPii(keys, 'nik', String(r.nik_enc)),
			decryptPii(keys, 'kk', String(r.kk_enc)),
			r.name ?? '',
			r.birth_place ?? '',
			r.birth_date ?? '',
			r.sex ?? '',
			word('religion', r.religion ?? null),
			word('marital', r.marital_status ?? null),
			word('relation', r.relation ?? null),
			r.occupation ?? '',
			phone(r.phone ?? null),
			r.rt ?? '',
			r.block ?? '',
			r.house_number ?? '',
			r.address ?? '',
			word('status', r.status ?? null)
		])
	);
}
