import { withAnon, queryAsUser, withUser, type Database } from '../db';
import type { SessionUser } from '../auth/sessions';
import { audit } from '../audit';
import { decryptFile, decryptPii, type PiiKeys } from '../crypto/pii';
import type { FileStore } from '../storage/files';
import { notify } from '../notifications';
import { addEvent } from './requests';
import { getSettings } from './catalogue';
import { pdfInputFrom, sealLetter } from './seal';
import type { LetterPdfInput } from './pdf';
import { renderLetterPdfOffThread } from './pdf-renderer';
import { pickupSlots } from '$lib/domain/pickup';
import { may } from '$lib/domain/permissions';
import { isUuid } from '$lib/domain/ids';

/**
 * After issue: the PDF download, the public verification, cancelling
 * (the number is kept), pick-up slots, and the satisfaction survey.
 */

const claimsOf = (user: SessionUser) => ({ sub: user.id, rw_id: user.rwId });

interface LetterRow {
	id: string;
	rw_id: string;
	request_id: string;
	number: string;
	frozen: Omit<LetterPdfInput, 'issuedAt'> & { issuedAt: string; nik_enc: string };
	/** null until the PDF rendered after numbering is sealed (seal.ts). */
	pdf_file_key: string | null;
	cancelled_at: string | null;
	subject_resident_id: string;
}

/**
 * The issued PDF, exactly as issued (its SHA-256 is the one on the verify page), for
 * the requester, the RT head or the RW admin. A cancelled letter is regenerated with a
 * DIBATALKAN watermark. Each download is logged as a NIK access (the PDF shows it).
 */
export async function downloadLetter(
	db: Database,
	store: FileStore,
	pii: PiiKeys,
	user: SessionUser,
	requestId: string,
	ip: string
): Promise<{ bytes: Uint8Array; number: string } | null> {
	if (!isUuid(requestId)) return null;
	const found = await withUser(db, claimsOf(user), async (tx) => {
		const rows = await tx.query<LetterRow>(
			`select l.id, l.rw_id, l.request_id, l.number, l.frozen, l.pdf_file_key, l.cancelled_at, q.subject_resident_id
			   from letter l join letter_request q on q.id = l.request_id where l.request_id = $1 and l.rw_id = $2`,
			[requestId, user.rwId]
		);
		const letter = rows[0];
		if (!letter) return null;
		let bytes: Uint8Array | null = null;
		if (letter.cancelled_at) {
			const nik = decryptPii(pii, 'nik', letter.frozen.nik_enc);
			bytes = await renderLetterPdfOffThread(pdfInputFrom(letter.frozen, nik, true));
		} else if (letter.pdf_file_key) {
			const sealed = await store.get(letter.pdf_file_key);
			if (!sealed) throw new Error(`Issued PDF ${letter.pdf_file_key} is missing from the file store`);
			bytes = decryptFile(pii, `letter:${letter.number}`, sealed.bytes);
		}
		await tx.query(
			`insert into pii_access_log (rw_id, actor_id, resident_id, field, reason, ip) values ($1, $2, $3, 'nik', $4, $5)`,
			[letter.rw_id, user.id, letter.subject_resident_id, `Unduh surat ${letter.number}`, ip]
		);
		return { letterId: letter.id, bytes, number: letter.number };
	});
	if (!found) return null;
	// Not sealed yet (its PDF failed to render or store after numbering): sealed now, outside the transaction.
	const bytes = found.bytes ?? (await sealLetter(db, { pii, store }, found.letterId));
	if (!bytes) return null;
	return { bytes, number: found.number };
}

export interface Verification {
	number: string;
	service_name: string;
	kind: string;
	issued_at: string;
	signer_name: string;
	signer_role: string;
	holder_name: string;
	holder_nik_masked: string;
	pdf_sha256: string;
	cancelled_at: string | null;
	cancel_reason: string;
	rw_name: string;
}

/** What the public verification page may show for a token: nothing else. */
export async function verifyLetter(db: Database, token: string): Promise<Verification | null> {
	if (!/^[A-Za-z0-9_-]{22,64}$/.test(token)) return null;
	const rows = await withAnon(db, (tx) => tx.query<Verification>('select * from app.verify_letter($1)', [token]));
	return rows[0] ?? null;
}

export async function cancelLetter(db: Database, user: SessionUser, requestId: string, reason: string): Promise<'ok' | 'not_found' | 'conflict'> {
	if (!may(user, 'letters.review_rw')) return 'not_found';
	return withUser(db, claimsOf(user), async (tx) => {
		const rows = await tx.query<{ id: string; rw_id: string; number: string; requester_id: string; cancelled_at: string | null }>(
			`select l.id, l.rw_id, l.number, q.requester_id, l.cancelled_at
			   from letter l join letter_request q on q.id = l.request_id where l.request_id = $1 and l.rw_id = $2 for update of l`,
			[requestId, user.rwId]
		);
		const letter = rows[0];
		if (!letter) return 'not_found';
		if (letter.cancelled_at) return 'conflict';
		await tx.query('update letter set cancelled_at = now(), cancelled_by = $2, cancel_reason = $3 where id = $1', [letter.id, user.id, reason]);
		await addEvent(tx, user, { id: requestId, rw_id: letter.rw_id }, 'cancelled', 'rw_admin', reason);
		await notify(tx, letter.rw_id, [letter.requester_id], 'letter.cancelled', { number: letter.number, note: reason }, `/surat/${requestId}`);
		await audit(tx, { rwId: letter.rw_id, actorId: user.id, action: 'letters.cancelled', target: letter.number, detail: { reason } });
		return 'ok';
	});
}

export async function markPickedUp(db: Database, user: SessionUser, requestId: string): Promise<'ok' | 'not_found' | 'conflict'> {
	if (!may(user, 'letters.review_rw')) return 'not_found';
	return withUser(db, claimsOf(user), async (tx) => {
		const rows = await tx.query<{ id: string; rw_id: string; picked_up_at: string | null; cancelled_at: string | null }>(
			'select id, rw_id, picked_up_at, cancelled_at from letter where request_id = $1 and rw_id = $2 for update',
			[requestId, user.rwId]
		);
		const letter = rows[0];
		if (!letter) return 'not_found';
		if (letter.picked_up_at || letter.cancelled_at) return 'conflict';
		await tx.query('update letter set picked_up_at = now(), picked_up_by = $2 where id = $1', [letter.id, user.id]);
		await addEvent(tx, user, { id: requestId, rw_id: letter.rw_id }, 'picked_up', 'rw_admin');
		return 'ok';
	});
}

export interface SlotView {
	start: string;
	free: number;
}

/** Bookable pick-up slots of the next 14 days (office hours, minus what is booked). */
export async function openSlots(db: Database, user: SessionUser, now = new Date()): Promise<SlotView[]> {
	return withUser(db, claimsOf(user), async (tx) => {
		const settings = await getSettings(tx, user.rwId!);
		const slots = pickupSlots(settings.office_hours, settings.slot_minutes, now, 14);
		if (slots.length === 0) return [];
		const counts = await tx.query<{ slot_start: Date; booked: number }>('select * from app.pickup_slot_counts($1, $2, $3)', [
			user.rwId,
			slots[0]!,
			new Date(slots[slots.length - 1]!.getTime() + 1)
		]);
		const booked = new Map(counts.map((c) => [new Date(c.slot_start).getTime(), c.booked]));
		return slots
			.map((s) => ({ start: s.toISOString(), free: settings.per_slot - (booked.get(s.getTime()) ?? 0) }))
			.filter((s) => s.free > 0);
	});
}

/**
 * Books (or moves) the pick-up of an issued letter to a slot. An advisory lock per RW
 * serialises bookings so a slot never takes more than `per_slot` people.
 */
export async function bookPickup(
	db: Database,
	user: SessionUser,
	requestId: string,
	slot: Date,
	now = new Date()
): Promise<'ok' | 'not_found' | 'full' | 'bad_slot' | 'conflict'> {
	return withUser(db, claimsOf(user), async (tx) => {
		const rows = await tx.query<{ id: string; rw_id: string; picked_up_at: string | null; cancelled_at: string | null }>(
			`select l.id, l.rw_id, l.picked_up_at, l.cancelled_at from letter l join letter_request q on q.id = l.request_id
			  where l.request_id = $1 and q.requester_id = $2`,
			[requestId, user.id]
		);
		const letter = rows[0];
		if (!letter) return 'not_found';
		if (letter.picked_up_at || letter.cancelled_at) return 'conflict';
		const settings = await getSettings(tx, letter.rw_id);
		const valid = pickupSlots(settings.office_hours, settings.slot_minutes, now, 14).some((s) => s.getTime() === slot.getTime());
		if (!valid) return 'bad_slot';
		await tx.query(`select pg_advisory_xact_lock(hashtext('pickup:' || $1::text))`, [letter.rw_id]);
		const counts = await tx.query<{ booked: number }>('select booked from app.pickup_slot_counts($1, $2, $3)', [
			letter.rw_id,
			slot,
			new Date(slot.getTime() + 1)
		]);
		if ((counts[0]?.booked ?? 0) >= settings.per_slot) return 'full';
		await tx.query('update pickup_booking set cancelled_at = now() where letter_id = $1 and cancelled_at is null', [letter.id]);
		await tx.query('insert into pickup_booking (rw_id, letter_id, slot_start, booked_by) values ($1, $2, $3, $4)', [letter.rw_id, letter.id, slot, user.id]);
		await addEvent(tx, user, { id: requestId, rw_id: letter.rw_id }, 'pickup_booked', 'resident', slot.toISOString());
		return 'ok';
	});
}

export interface PickupRow {
	request_id: string;
	number: string;
	holder_name: string;
	slot_start: string;
	picked_up_at: string | null;
}

/** The RW's pick-up list from today on (for the secretariat). */
export function listPickups(db: Database, user: SessionUser, from: Date): Promise<PickupRow[]> {
	return queryAsUser<PickupRow>(
		db,
		claimsOf(user),
		`select l.request_id, l.number, l.holder_name, b.slot_start, l.picked_up_at
		   from pickup_booking b join letter l on l.id = b.letter_id
		  where b.rw_id = $1 and b.cancelled_at is null and b.slot_start >= $2
		  order by b.slot_start limit 200`,
		[user.rwId, from]
	);
}

export async function submitSurvey(
	db: Database,
	user: SessionUser,
	requestId: string,
	scores: number[],
	comment: string
): Promise<'ok' | 'not_found' | 'conflict'> {
	return withUser(db, claimsOf(user), async (tx) => {
		const rows = await tx.query<{ rw_id: string; service_id: string; status: string }>(
			'select rw_id, service_id, status from letter_request where id = $1 and requester_id = $2',
			[requestId, user.id]
		);
		const request = rows[0];
		if (!request || request.status !== 'issued') return 'not_found';
		const inserted = await tx.query(
			`insert into letter_survey (rw_id, request_id, service_id, respondent_id, scores, comment)
			 values ($1, $2, $3, $4, $5, $6) on conflict (request_id) do nothing returning id`,
			[request.rw_id, requestId, request.service_id, user.id, scores, comment]
		);
		return inserted.length === 0 ? 'conflict' : 'ok';
	});
}
