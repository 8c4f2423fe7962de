import { checkEdit, checkReason } from '../../domain/complaints';
import { isUuid } from '../../domain/ids';
import type { SessionUser } from '../auth/sessions';
import { audit } from '../audit';
import { withUser, type Database, type Sql } from '../db';
import { notify } from '../notifications';
import { announceToFollowers } from './follow';
import { newFileKey, type FileStore } from '../storage/files';
import type { CheckedPhoto } from './photos';

/**
 * Moderation of complaints by staff (complaints.manage for the complaint's RT,
 * docs/complaints.md "Moderation"): hiding a report from other residents, editing its
 * text for privacy, hiding or replacing a photo. Nothing is lost: the original text is
 * kept in complaint_revision, a hidden photo stays stored (staff still see it). Each
 * step is a complaint_event and an audit_log entry with who, when and why, and the
 * reporter is told. Other residents only ever read the current text and shown photos.
 */

export type ModerationResult = { ok: true } | { ok: false; reason: 'not_found' | 'forbidden' } | { ok: false; errors: Record<string, string> };

interface Locked {
	id: string;
	rw_id: string;
	reporter_id: string;
	title: string;
	description: string;
	hidden: boolean;
	may: boolean;
}

const asUser = <T>(db: Database, user: SessionUser, fn: (tx: Sql) => Promise<T>) => withUser(db, { sub: user.id, rw_id: user.rwId }, fn);

/**
 * Runs one moderation step on the locked complaint (two staff moderating at once take
 * turns: the second sees the first's result), logs it and tells the reporter.
 */
function moderate(
	db: Database,
	user: SessionUser,
	id: string,
	now: Date,
	step: (tx: Sql, row: Locked) => Promise<ModerationResult & { kind?: string; note?: string; detail?: Record<string, unknown> }>
): Promise<ModerationResult> {
	return asUser(db, user, async (tx) => {
		const [row] = await tx.query<Locked>(
			`select id, rw_id, reporter_id, title, description, hidden, app.may('complaints.manage', rw_id, rt_id) as may from complaint where id = $1 for update`,
			[id]
		);
		if (!row) return { ok: false, reason: 'not_found' };
		if (!row.may) return { ok: false, reason: 'forbidden' };
		const result = await step(tx, row);
		if (!result.ok || !result.kind) return result.ok ? { ok: true } : result;
		await tx.query(`insert into complaint_event (rw_id, complaint_id, at, by_user, kind, note) values ($1, $2, $3, $4, $5, $6)`, [row.rw_id, id, now, user.id, result.kind, result.note ?? null]);
		await audit(tx, { rwId: row.rw_id, actorId: user.id, action: `complaint.${result.kind}`, target: id, detail: result.detail ?? {} });
		if (row.reporter_id !== user.id) await notify(tx, row.rw_id, [row.reporter_id], `complaint.${result.kind}`, { title: result.kind === 'edited' ? String(result.detail?.title) : row.title }, `/pengaduan/${id}`);
		return { ok: true };
	});
}

/** Hides a report from other residents (staff and the reporter still read it), with a reason. */
export function hide(db: Database, user: SessionUser, id: string, reason: string, now: Date): Promise<ModerationResult> {
	const checked = checkReason(reason);
	if (!checked.ok) return Promise.resolve({ ok: false, errors: { reason: checked.error } });
	return moderate(db, user, id, now, async (tx, row) => {
		if (row.hidden) return { ok: true };
		await tx.query('update complaint set hidden = true, hidden_reason = $2, hidden_at = $3, hidden_by = $4, updated_at = $3 where id = $1', [id, checked.value, now, user.id]);
		return { ok: true, kind: 'hidden', note: checked.value, detail: { reason: checked.value } };
	});
}

/** Shows a hidden report again (the reason for hiding stays in the history). */
export function unhide(db: Database, user: SessionUser, id: string, reason: string, now: Date): Promise<ModerationResult> {
	const checked = checkReason(reason);
	if (!checked.ok) return Promise.resolve({ ok: false, errors: { reason: checked.error } });
	return moderate(db, user, id, now, async (tx, row) => {
		if (!row.hidden) return { ok: true };
		await tx.query('update complaint set hidden = false, hidden_reason = null, hidden_at = null, hidden_by = null, updated_at = $2 where id = $1', [id, now]);
		// Shown, a public report not yet announced reaches the area's followers now (once per complaint).
		await announceToFollowers(tx, id, now);
		return { ok: true, kind: 'unhidden', note: checked.value, detail: { reason: checked.value } };
	});
}

/** Edits the title and description for privacy: the text before is kept as a revision with who, when and why. */
export function editText(db: Database, user: SessionUser, id: string, input: { title: string; description: string; reason: string }, now: Date): Promise<ModerationResult> {
	const checked = checkEdit(input);
	if (!checked.ok) return Promise.resolve({ ok: false, errors: checked.errors });
	const v = checked.value;
	return moderate(db, user, id, now, async (tx, row) => {
		if (row.title === v.title && row.description === v.description) return { ok: false, errors: { description: 'complaints.error.unchanged' } };
		await tx.query(
			`insert into complaint_revision (rw_id, complaint_id, at, by_user, reason, old_title, old_description, new_title, new_description)
			 values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			[row.rw_id, id, now, user.id, v.reason, row.title, row.description, v.title, v.description]
		);
		await tx.query('update complaint set title = $2, description = $3, edited_at = $4, updated_at = $4 where id = $1', [id, v.title, v.description, now]);
		return { ok: true, kind: 'edited', note: v.reason, detail: { reason: v.reason, title: v.title } };
	});
}

/** Hides a photo of the report (kept stored, staff still see it), with a reason. */
export function hidePhoto(db: Database, user: SessionUser, id: string, photoId: string, reason: string, now: Date): Promise<ModerationResult> {
	const checked = checkReason(reason);
	if (!checked.ok) return Promise.resolve({ ok: false, errors: { reason: checked.error } });
	if (!isUuid(photoId)) return Promise.resolve({ ok: false, errors: { photo: 'complaints.error.photo_not_found' } });
	return moderate(db, user, id, now, async (tx) => {
		const hidden = await tx.query(
			'update complaint_photo set hidden = true, hidden_reason = $3, hidden_at = $4, hidden_by = $5 where id = $1 and complaint_id = $2 and not hidden returning id',
			[photoId, id, checked.value, now, user.id]
		);
		if (hidden.length === 0) return { ok: false, errors: { photo: 'complaints.error.photo_not_found' } };
		return { ok: true, kind: 'photo_hidden', note: checked.value, detail: { reason: checked.value, photo: photoId } };
	});
}

/**
 * Replaces a photo with a checked one (e.g. with a face blurred): the original is hidden
 * and kept, the new one names it. The file is written before the row commits (a failed
 * commit leaves an orphan file, never a row without its file).
 */
export function replacePhoto(db: Database, files: FileStore, user: SessionUser, id: string, photoId: string, photo: CheckedPhoto, reason: string, now: Date): Promise<ModerationResult> {
	const checked = checkReason(reason);
	if (!checked.ok) return Promise.resolve({ ok: false, errors: { reason: checked.error } });
	if (!isUuid(photoId)) return Promise.resolve({ ok: false, errors: { photo: 'complaints.error.photo_not_found' } });
	return moderate(db, user, id, now, async (tx, row) => {
		const hidden = await tx.query(
			'update complaint_photo set hidden = true, hidden_reason = $3, hidden_at = $4, hidden_by = $5 where id = $1 and complaint_id = $2 and not hidden returning id',
			[photoId, id, checked.value, now, user.id]
		);
		if (hidden.length === 0) return { ok: false, errors: { photo: 'complaints.error.photo_not_found' } };
		const fileKey = newFileKey('complaints', row.rw_id, 'jpg');
		const thumbKey = newFileKey('complaints', row.rw_id, 'jpg');
		await files.put(fileKey, photo.bytes, 'image/jpeg');
		await files.put(thumbKey, photo.thumb, 'image/jpeg');
		const [added] = await tx.query<{ id: string }>(
			`insert into complaint_photo (rw_id, complaint_id, file_key, thumb_key, width, height, replaces) values ($1, $2, $3, $4, $5, $6, $7) returning id`,
			[row.rw_id, id, fileKey, thumbKey, photo.width, photo.height, photoId]
		);
		return { ok: true, kind: 'photo_replaced', note: checked.value, detail: { reason: checked.value, photo: photoId, replacement: added!.id } };
	});
}

export interface Revision {
	at: string;
	by_name: string | null;
	reason: string;
	old_title: string;
	old_description: string;
	new_title: string;
	new_description: string;
}

/** The text edits of a complaint, oldest first (the first's old text is the original); staff only, else empty. */
export function revisions(db: Database, user: SessionUser, id: string): Promise<Revision[]> {
	return asUser(db, user, (tx) =>
		tx.query<Revision>(
			`select r.at::text as at, h.name as by_name, r.reason, r.old_title, r.old_description, r.new_title, r.new_description
			   from complaint_revision r left join app.complaint_handlers(r.rw_id) h on h.id = r.by_user
			  where r.complaint_id = $1 order by r.id`,
			[id]
		)
	);
}
