import { boxAround, checkReport, checkStatusChange, mayRate, mayReopen, nearbyDuplicates, nearestHouse, outsideArea, DUPLICATE_RADIUS_M, MAX_BULK } from '../../domain/complaints';
import { isUuid } from '../../domain/ids';
import type { ComplaintField, ComplaintStatus, Point, ReportInput as ReportFields } from '../../domain/complaints';
import type { SessionUser } from '../auth/sessions';
import { withUser, type Database, type Sql } from '../db';
import { notify } from '../notifications';
import { announceToFollowers } from './follow';
import { newFileKey, type FileStore } from '../storage/files';
import type { CheckedPhoto } from './photos';

/**
 * Complaints as one user sees and changes them, every query under RLS
 * (docs/complaints.md). Staff are RW admins and RT heads (complaints.manage); the
 * reporter's name reaches staff only; other residents read the public view.
 */

export interface Category {
	id: string;
	code: string;
	name: string;
	name_en: string | null;
	route_to: 'rt_head' | 'rw_admin';
	private_by_default: boolean;
}

export interface HousePoint extends Point {
	rt_id: string;
	rt_number: number;
	mine: boolean;
}

export interface PublicComplaint extends Point {
	id: string;
	rt_id: string;
	category_id: string;
	category_name: string;
	/** The English name (null: the English interface shows `category_name`, see categoryName()). */
	category_name_en: string | null;
	title: string;
	description: string;
	status: ComplaintStatus;
	closed_reason: string | null;
	forward_url: string | null;
	supporter_count: number;
	created_at: string;
	finished_at: string | null;
}

const claimsOf = (user: SessionUser) => ({ sub: user.id, rw_id: user.rwId });
const asUser = <T>(db: Database, user: SessionUser, fn: (tx: Sql) => Promise<T>) => withUser(db, claimsOf(user), fn);

export function listCategories(tx: Sql, rwId: string): Promise<Category[]> {
	return tx.query<Category>('select id, code, name, name_en, route_to, private_by_default from complaint_category where rw_id = $1 and active order by sort, name', [rwId]);
}

export function housePoints(tx: Sql, rwId: string): Promise<HousePoint[]> {
	return tx.query<HousePoint>('select lat, lng, rt_id, rt_number, mine from app.rw_house_points($1)', [rwId]);
}

/** What the report form needs: categories, the houses for the map, and where the pin starts. */
export function reportContext(db: Database, user: SessionUser) {
	return asUser(db, user, async (tx) => {
		const [categories, houses] = [await listCategories(tx, user.rwId!), await housePoints(tx, user.rwId!)];
		const mine = houses.find((h) => h.mine) ?? null;
		return { categories, houses, home: mine ? { lat: mine.lat, lng: mine.lng } : null };
	});
}

/** Open public complaints of the category within the duplicate radius of the pin, nearest first. */
export function findDuplicates(db: Database, user: SessionUser, categoryId: string, pin: Point) {
	return asUser(db, user, (tx) => duplicatesIn(tx, user.rwId!, categoryId, pin));
}

async function duplicatesIn(tx: Sql, rwId: string, categoryId: string, pin: Point) {
	const box = boxAround(pin, DUPLICATE_RADIUS_M);
	const rows = await tx.query<PublicComplaint>(
		`select id, rt_id, category_id, category_name, category_name_en, title, description, status, closed_reason, forward_url, lat, lng, supporter_count,
		        created_at::text, finished_at::text
		   from complaint_public where rw_id = $1 and category_id = $2 and status in ('baru', 'diterima', 'dikerjakan')
		    and lat between $3 and $4 and lng between $5 and $6`,
		[rwId, categoryId, box.minLat, box.maxLat, box.minLng, box.maxLng]
	);
	return nearbyDuplicates(pin, categoryId, rows.map((r) => ({ ...r, categoryId: r.category_id })));
}

export type ReportResult =
	| { ok: true; id: string }
	| { ok: false; errors: Partial<Record<ComplaintField, string>>; values?: { lat: number; lng: number } }
	| { ok: false; outside: true; pin: Point }
	| { ok: false; duplicates: Awaited<ReturnType<typeof duplicatesIn>>; pin: Point };

/** The form as typed (the domain's fields) and the resident's choices. */
export interface ReportInput extends ReportFields {
	private: boolean;
	/** The resident saw the warning that the pin is outside the RW and keeps it. */
	confirmOutside: boolean;
	/** The resident saw the possible duplicates and files anyway. */
	ignoreDuplicates: boolean;
}

/**
 * Files a report with its checked photos. Without a pin, the first photo's GPS places
 * it. A pin outside the RW and nearby open duplicates are answered first (the resident
 * confirms or adds "me too" instead). The photos are written before the row commits: a
 * failed commit leaves orphan files, never rows without files.
 */
export async function report(db: Database, files: FileStore, user: SessionUser, input: ReportInput, photos: CheckedPhoto[], now: Date): Promise<ReportResult> {
	const gps = photos.find((p) => p.gps)?.gps ?? null;
	const raw = input.lat.trim() === '' && input.lng.trim() === '' && gps ? { ...input, lat: String(gps.lat), lng: String(gps.lng) } : input;
	return asUser(db, user, async (tx) => {
		const categories = await listCategories(tx, user.rwId!);
		const checked = checkReport(raw, categories.map((c) => c.id));
		if (!checked.ok) return { ok: false, errors: checked.errors };
		const value = checked.value;
		const pin = { lat: value.lat, lng: value.lng };
		const houses = await housePoints(tx, user.rwId!);
		if (outsideArea(pin, houses) && !input.confirmOutside) return { ok: false, outside: true, pin };
		if (!input.ignoreDuplicates) {
			const duplicates = await duplicatesIn(tx, user.rwId!, value.categoryId, pin);
			if (duplicates.length > 0) return { ok: false, duplicates, pin };
		}
		const category = categories.find((c) => c.id === value.categoryId)!;
		const rtId = nearestHouse(pin, houses)?.house.rt_id ?? user.rtId;
		if (!rtId) return { ok: false, errors: { lat: 'complaints.error.pin' } };
		const isPublic = !(input.private || category.private_by_default);
		const [row] = await tx.query<{ id: string }>(
			`insert into complaint (rw_id, rt_id, category_id, reporter_id, title, description, is_public, lat, lng, created_at, updated_at)
			 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) returning id`,
			[user.rwId, rtId, value.categoryId, user.id, value.title, value.description, isPublic, value.lat, value.lng, now]
		);
		const id = row!.id;
		await tx.query(`insert into complaint_event (rw_id, complaint_id, at, by_user, kind, to_status) values ($1, $2, $3, $4, 'reported', 'baru')`, [user.rwId, id, now, user.id]);
		for (const photo of photos) {
			const fileKey = newFileKey('complaints', user.rwId!, 'jpg');
			const thumbKey = newFileKey('complaints', user.rwId!, 'jpg');
			await files.put(fileKey, photo.bytes, 'image/jpeg');
			await files.put(thumbKey, photo.thumb, 'image/jpeg');
			await tx.query(`insert into complaint_photo (rw_id, complaint_id, file_key, thumb_key, width, height) values ($1, $2, $3, $4, $5, $6)`, [
				user.rwId, id, fileKey, thumbKey, photo.width, photo.height
			]);
		}
		const staff =
			category.route_to === 'rt_head'
				? await tx.query<{ id: string }>('select app.rt_head_user_ids($1) as id', [rtId])
				: await tx.query<{ id: string }>('select app.rw_admin_user_ids($1) as id', [user.rwId]);
		await notify(tx, user.rwId!, staff.map((s) => s.id).filter((s) => s !== user.id), 'complaint.new', { title: value.title, category: category.name, category_en: category.name_en || category.name }, `/pengaduan/${id}`);
		await announceToFollowers(tx, id, now);
		return { ok: true, id };
	});
}

/** Adds the user's "me too"; refused (false) for their own, a private, hidden or finished complaint. */
export function support(db: Database, user: SessionUser, complaintId: string): Promise<boolean> {
	return asUser(db, user, async (tx) => {
		const [ok] = await tx.query<{ ok: boolean }>('select app.complaint_supportable($1) as ok', [complaintId]);
		if (!ok?.ok) return false;
		await tx.query(`insert into complaint_supporter (rw_id, complaint_id, user_id) values ($1, $2, $3) on conflict do nothing`, [user.rwId, complaintId, user.id]);
		return true;
	});
}

export interface ComplaintDetail extends PublicComplaint {
	/** Present when the user reads it in full (reporter or staff). */
	full: null | {
		reporter_id: string;
		reporter_name: string | null;
		is_public: boolean;
		hidden: boolean;
		hidden_reason: string | null;
		edited_at: string | null;
		assignee_id: string | null;
		assignee_name: string | null;
		rating: number | null;
		rating_comment: string | null;
		mine: boolean;
		events: { at: string; kind: string; from_status: string | null; to_status: string | null; note: string | null; by_name: string | null }[];
	};
	/** Hidden photos reach staff only (marked); `replaces` names the photo a replacement stands for. */
	photos: { id: string; hidden: boolean; hidden_reason: string | null; replaces: string | null }[];
	supported: boolean;
}

const PUBLIC_COLUMNS = `c.id, c.rt_id, c.category_id, c.title, c.description, c.status, c.closed_reason, c.forward_url, c.lat, c.lng, c.supporter_count,
  c.created_at::text as created_at, c.finished_at::text as finished_at`;

/**
 * Whether a complaint the user can no longer see was once theirs to hear of: they
 * supported it or hold a notification linking to it (a supporter's status change), and
 * staff have since hidden it or made it private. That notification and its push still
 * link to it, so the page explains instead of answering "not found" (docs/complaints.md,
 * "Following an area"). It tells them nothing new: only that a report they were told
 * about is no longer shown. (An area follower's notification is taken back on hiding.)
 */
export function withdrawnFrom(db: Database, user: SessionUser, id: string): Promise<boolean> {
	return asUser(db, user, async (tx) => {
		const [row] = await tx.query<{ told: boolean }>(
			`select exists (select 1 from notification where user_id = $2 and link = '/pengaduan/' || $1)
			     or exists (select 1 from complaint_supporter where complaint_id = $1::uuid and user_id = $2) as told`,
			[id, user.id]
		);
		return row?.told ?? false;
	});
}

/** One complaint: in full for its reporter and staff, the public view for other members, else null. */
export function getComplaint(db: Database, user: SessionUser, id: string): Promise<ComplaintDetail | null> {
	return asUser(db, user, async (tx) => {
		const full = await tx.query<
			PublicComplaint & { reporter_id: string; is_public: boolean; hidden: boolean; hidden_reason: string | null; edited_at: string | null; assignee_id: string | null; rating: number | null; rating_comment: string | null }
		>(
			`select ${PUBLIC_COLUMNS}, cc.name as category_name, cc.name_en as category_name_en, c.reporter_id, c.is_public, c.hidden, c.hidden_reason, c.edited_at::text as edited_at, c.assignee_id,
			        c.rating, c.rating_comment
			   from complaint c join complaint_category cc on cc.id = c.category_id where c.id = $1`,
			[id]
		);
		const base = full[0] ?? (await tx.query<PublicComplaint>(`select ${PUBLIC_COLUMNS.replaceAll('c.', '')}, category_name, category_name_en from complaint_public where id = $1`, [id]))[0];
		if (!base) return null;
		const photos = await tx.query<ComplaintDetail['photos'][number]>(
			'select id, hidden, hidden_reason, replaces from complaint_photo where complaint_id = $1 order by created_at, id',
			[id]
		);
		const supported = (await tx.query('select 1 from complaint_supporter where complaint_id = $1 and user_id = $2', [id, user.id])).length > 0;
		let detail: ComplaintDetail['full'] = null;
		if (full[0]) {
			const f = full[0];
			const mine = f.reporter_id === user.id;
			// The name only for staff (the reporter knows who they are; names of staff in events are public to them).
			const names = await tx.query<{ name: string }>('select name from app_user where id = $1 and id in (select app.visible_user_ids())', [f.reporter_id]);
			const events = await tx.query<ComplaintDetail['full'] extends null ? never : NonNullable<ComplaintDetail['full']>['events'][number]>(
				`select e.at::text as at, e.kind, e.from_status, e.to_status, e.note, u.name as by_name
				   from complaint_event e left join app_user u on u.id = e.by_user and u.id <> $2 and u.id in (select app.visible_user_ids())
				  where e.complaint_id = $1 order by e.id`,
				[id, f.reporter_id]
			);
			// The assignee's name from the list of people it may be assigned to (staff only).
			const assignee = f.assignee_id ? (await tx.query<{ name: string }>('select name from app.complaint_handlers($1) where id = $2', [user.rwId, f.assignee_id]))[0] : undefined;
			detail = {
				reporter_id: f.reporter_id,
				reporter_name: mine ? null : (names[0]?.name ?? null),
				is_public: f.is_public,
				hidden: f.hidden,
				hidden_reason: f.hidden_reason,
				edited_at: f.edited_at,
				assignee_id: f.assignee_id,
				assignee_name: assignee?.name ?? null,
				rating: f.rating,
				rating_comment: f.rating_comment,
				mine,
				events
			};
		}
		return { ...base, full: detail, photos, supported };
	});
}

/** The public list of the RW (no personal data), newest first. */
export function listPublic(db: Database, user: SessionUser, limit = 100): Promise<PublicComplaint[]> {
	return asUser(db, user, (tx) =>
		tx.query<PublicComplaint>(
			`select id, rt_id, category_id, category_name, category_name_en, title, description, status, closed_reason, forward_url, lat, lng, supporter_count,
			        created_at::text, finished_at::text
			   from complaint_public where rw_id = $1 order by created_at desc limit $2`,
			[user.rwId, limit]
		)
	);
}

/** The user's own complaints. */
export function listMine(db: Database, user: SessionUser) {
	return asUser(db, user, (tx) =>
		tx.query<{ id: string; title: string; status: ComplaintStatus; category_name: string; category_name_en: string | null; created_at: string; supporter_count: number }>(
			`select c.id, c.title, c.status, cc.name as category_name, cc.name_en as category_name_en, c.created_at::text, c.supporter_count
			   from complaint c join complaint_category cc on cc.id = c.category_id where c.reporter_id = $1 order by c.created_at desc limit 50`,
			[user.id]
		)
	);
}

export interface TriageFilters {
	status?: string;
	categoryId?: string;
	rtId?: string;
	/** 'none' (not assigned yet) or a user's id ("assigned to me" is the user's own). */
	assignee?: string;
	/** Only complaints at least this many days old. */
	minAgeDays?: number;
}

export interface TriageRow extends Point {
	id: string;
	title: string;
	status: ComplaintStatus;
	category_name: string;
	category_name_en: string | null;
	rt_number: number;
	created_at: string;
	supporter_count: number;
	is_public: boolean;
	hidden: boolean;
	assignee_id: string | null;
	assignee_name: string | null;
}

/** Staff triage: every complaint of the user's reach (RLS), filtered, oldest open first. */
export function listForStaff(db: Database, user: SessionUser, filters: TriageFilters, now: Date) {
	const assignee = filters.assignee === 'none' ? null : (filters.assignee ?? null);
	const minAge = filters.minAgeDays ? new Date(now.getTime() - filters.minAgeDays * 86_400_000) : null;
	return asUser(db, user, (tx) =>
		tx.query<TriageRow>(
			`select c.id, c.title, c.status, cc.name as category_name, cc.name_en as category_name_en, rt.number::int as rt_number, c.created_at::text,
			        c.supporter_count, c.is_public, c.hidden, c.lat, c.lng, c.assignee_id,
			        h.name as assignee_name
			   from complaint c join complaint_category cc on cc.id = c.category_id join rt on rt.id = c.rt_id
			   left join app.complaint_handlers($1) h on h.id = c.assignee_id
			  where c.rw_id = $1 and c.rt_id in (select app.may_rts('complaints.manage'))
			    and ($2::text is null or c.status = $2) and ($3::uuid is null or c.category_id = $3) and ($4::uuid is null or c.rt_id = $4)
			    and (not $5::boolean or c.assignee_id is null) and ($6::uuid is null or c.assignee_id = $6)
			    and ($7::timestamptz is null or c.created_at <= $7)
			  order by (c.status in ('baru', 'diterima', 'dikerjakan')) desc, c.created_at asc limit 200`,
			[user.rwId, filters.status ?? null, filters.categoryId ?? null, filters.rtId ?? null, filters.assignee === 'none', assignee, minAge]
		)
	);
}

/** The people a complaint may be assigned to (empty unless the user manages it). */
export function assignees(db: Database, user: SessionUser, id: string) {
	return asUser(db, user, (tx) => tx.query<{ id: string; name: string }>('select id, name from app.complaint_assignees($1)', [id]));
}

/** Everyone who handles complaints in the user's RW: the triage list's "assigned to" filter. */
export function handlersOfRw(db: Database, user: SessionUser) {
	return asUser(db, user, (tx) => tx.query<{ id: string; name: string }>('select id, name from app.complaint_handlers($1) order by name', [user.rwId]));
}

/** The reporter and supporters: who hears of a change. */
async function followers(tx: Sql, id: string): Promise<string[]> {
	const rows = await tx.query<{ id: string }>('select reporter_id as id from complaint where id = $1 union select user_id from complaint_supporter where complaint_id = $1', [id]);
	return rows.map((r) => r.id);
}

export type ChangeResult = { ok: true } | { ok: false; reason: 'not_found' | 'forbidden' } | { ok: false; errors: Record<string, string> };

export interface StatusInput {
	to: string;
	note: string;
	closedReason?: string;
	forwardUrl?: string;
	duplicateOf?: string;
}

interface LockedComplaint {
	id: string;
	status: ComplaintStatus;
	rw_id: string;
	rt_id: string;
	title: string;
	may: boolean;
}

/** Locks the complaints (in id order, so two staff working on overlapping sets cannot deadlock) with whether the user manages each. */
async function lockForStaff(tx: Sql, ids: readonly string[]): Promise<Map<string, LockedComplaint>> {
	const rows = await tx.query<LockedComplaint>(
		`select id, status, rw_id, rt_id, title, app.may('complaints.manage', rw_id, rt_id) as may from complaint where id = any($1::uuid[]) order by id for update`,
		[ids]
	);
	return new Map(rows.map((r) => [r.id, r]));
}

/** One staff status change on a locked row: checked by the lifecycle rules, logged with who, the followers told. */
async function applyStatus(tx: Sql, user: SessionUser, row: LockedComplaint | undefined, input: StatusInput, now: Date): Promise<ChangeResult> {
	if (!row) return { ok: false, reason: 'not_found' };
	if (!row.may) return { ok: false, reason: 'forbidden' };
	const checked = checkStatusChange(row.status, input);
	if (!checked.ok) return { ok: false, errors: checked.errors };
	const v = checked.value;
	if (v.duplicateOf) {
		const original = await tx.query('select 1 from complaint where id = $1 and rw_id = $2 and id <> $3', [v.duplicateOf, row.rw_id, row.id]);
		if (original.length === 0) return { ok: false, errors: { duplicate_of: 'complaints.error.duplicate_of' } };
	}
	const finished = v.to === 'selesai' || v.to === 'ditutup';
	await tx.query(
		`update complaint set status = $2, closed_reason = $3, forward_url = $4, duplicate_of = $5, finished_at = $6, updated_at = $7,
		        rating = null, rating_comment = null, rated_at = null where id = $1`,
		[row.id, v.to, v.closedReason, v.forwardUrl, v.duplicateOf, finished ? now : null, now]
	);
	await tx.query(`insert into complaint_event (rw_id, complaint_id, at, by_user, kind, from_status, to_status, note) values ($1, $2, $3, $4, 'status', $5, $6, $7)`, [
		row.rw_id, row.id, now, user.id, row.status, v.to, v.note || null
	]);
	await notify(tx, row.rw_id, (await followers(tx, row.id)).filter((u) => u !== user.id), `complaint.${v.to}`, { title: row.title }, `/pengaduan/${row.id}`);
	return { ok: true };
}

/** Staff move a complaint (with a note); the reporter and supporters are told. */
export function changeStatus(db: Database, user: SessionUser, id: string, input: StatusInput, now: Date): Promise<ChangeResult> {
	return asUser(db, user, async (tx) => applyStatus(tx, user, (await lockForStaff(tx, [id])).get(id), input, now));
}

export type BulkResult =
	| { ok: false; errors: Record<string, string> }
	| { ok: true; changed: string[]; refused: { id: string; title: string | null; result: Exclude<ChangeResult, { ok: true }> }[] };

/**
 * Moves several complaints to one status with one note, in one transaction: each move
 * is checked, logged and told exactly as a single one. A move the rules refuse is
 * reported for that complaint and leaves it untouched; the others go through.
 */
export function changeStatusBulk(db: Database, user: SessionUser, ids: readonly string[], input: StatusInput, now: Date): Promise<BulkResult> {
	const unique = [...new Set(ids)].filter(isUuid);
	if (unique.length === 0) return Promise.resolve({ ok: false, errors: { ids: 'complaints.error.bulk_none' } });
	if (unique.length > MAX_BULK) return Promise.resolve({ ok: false, errors: { ids: 'complaints.error.bulk_many' } });
	return asUser(db, user, async (tx) => {
		const rows = await lockForStaff(tx, unique);
		const changed: string[] = [];
		const refused: { id: string; title: string | null; result: Exclude<ChangeResult, { ok: true }> }[] = [];
		for (const id of unique) {
			const result = await applyStatus(tx, user, rows.get(id), input, now);
			if (result.ok) changed.push(id);
			else refused.push({ id, title: rows.get(id)?.may ? rows.get(id)!.title : null, result });
		}
		return { ok: true, changed, refused };
	});
}

/**
 * Assigns a complaint to one person who may handle it (or clears it with null); the
 * assignee is told, the step logged. The database refuses anyone else (RLS for who
 * assigns, a trigger for who is assigned).
 */
export function assign(db: Database, user: SessionUser, id: string, assigneeId: string | null, now: Date): Promise<ChangeResult> {
	return asUser(db, user, async (tx) => {
		const row = (await lockForStaff(tx, [id])).get(id);
		if (!row) return { ok: false, reason: 'not_found' };
		if (!row.may) return { ok: false, reason: 'forbidden' };
		if (assigneeId !== null) {
			if (!isUuid(assigneeId)) return { ok: false, errors: { assignee: 'complaints.error.assignee' } };
			const ok = await tx.query('select 1 from app.complaint_assignees($1) where id = $2', [id, assigneeId]);
			if (ok.length === 0) return { ok: false, errors: { assignee: 'complaints.error.assignee' } };
		}
		const [before] = await tx.query<{ assignee_id: string | null }>('select assignee_id from complaint where id = $1', [id]);
		if (before?.assignee_id === assigneeId) return { ok: true };
		await tx.query('update complaint set assignee_id = $2, assigned_at = $3, updated_at = $3 where id = $1', [id, assigneeId, assigneeId ? now : null]);
		const [name] = assigneeId ? await tx.query<{ name: string }>('select name from app.complaint_assignees($1) where id = $2', [id, assigneeId]) : [];
		await tx.query(`insert into complaint_event (rw_id, complaint_id, at, by_user, kind, note) values ($1, $2, $3, $4, 'assigned', $5)`, [
			row.rw_id, id, now, user.id, name?.name ?? null
		]);
		if (assigneeId && assigneeId !== user.id) await notify(tx, row.rw_id, [assigneeId], 'complaint.assigned', { title: row.title }, `/pengaduan/${id}`);
		return { ok: true };
	});
}

/** The reporter reopens a fixed complaint within the window; staff of its RT are told. */
export function reopen(db: Database, user: SessionUser, id: string, note: string, now: Date): Promise<ChangeResult> {
	return asUser(db, user, async (tx) => {
		const [row] = await tx.query<{ status: ComplaintStatus; rw_id: string; rt_id: string; title: string; finished_at: Date | null }>(
			'select status, rw_id, rt_id, title, finished_at from complaint where id = $1 and reporter_id = $2 for update',
			[id, user.id]
		);
		if (!row) return { ok: false, reason: 'not_found' };
		if (!mayReopen(row.status, row.finished_at ? new Date(row.finished_at) : null, now)) return { ok: false, errors: { note: 'complaints.error.reopen_window' } };
		if (note.trim().length > 1000) return { ok: false, errors: { note: 'complaints.error.note' } };
		await tx.query(`update complaint set status = 'diterima', finished_at = null, rating = null, rating_comment = null, rated_at = null, updated_at = $2 where id = $1`, [id, now]);
		await tx.query(`insert into complaint_event (rw_id, complaint_id, at, by_user, kind, from_status, to_status, note) values ($1, $2, $3, $4, 'reopened', $5, 'diterima', $6)`, [
			row.rw_id, id, now, user.id, row.status, note.trim() || null
		]);
		const heads = await tx.query<{ id: string }>('select app.rt_head_user_ids($1) as id', [row.rt_id]);
		await notify(tx, row.rw_id, heads.map((h) => h.id), 'complaint.reopened', { title: row.title }, `/pengaduan/${id}`);
		return { ok: true };
	});
}

/** The reporter rates a fixed complaint 1–5 with an optional comment. */
export function rate(db: Database, user: SessionUser, id: string, input: { rating: string; comment: string }, now: Date): Promise<ChangeResult> {
	return asUser(db, user, async (tx) => {
		const rating = Number(input.rating);
		const comment = input.comment.trim();
		const errors: Record<string, string> = {};
		if (!Number.isInteger(rating) || rating < 1 || rating > 5) errors.rating = 'complaints.error.rating';
		if (comment.length > 500) errors.comment = 'complaints.error.comment';
		if (Object.keys(errors).length > 0) return { ok: false, errors };
		const [row] = await tx.query<{ status: ComplaintStatus; rw_id: string }>('select status, rw_id from complaint where id = $1 and reporter_id = $2 for update', [id, user.id]);
		if (!row) return { ok: false, reason: 'not_found' };
		if (!mayRate(row.status)) return { ok: false, errors: { rating: 'complaints.error.rate_not_fixed' } };
		await tx.query('update complaint set rating = $2, rating_comment = $3, rated_at = $4 where id = $1', [id, rating, comment || null, now]);
		await tx.query(`insert into complaint_event (rw_id, complaint_id, at, by_user, kind, note) values ($1, $2, $3, $4, 'rated', $5)`, [row.rw_id, id, now, user.id, `${rating}/5`]);
		return { ok: true };
	});
}

/** A stored photo (or its thumbnail) the user may see: their own, staff's, or a public complaint's. */
export async function photoFile(db: Database, files: FileStore, user: SessionUser, photoId: string, thumb: boolean) {
	const [row] = await asUser(db, user, (tx) => tx.query<{ file_key: string; thumb_key: string }>('select file_key, thumb_key from complaint_photo where id = $1', [photoId]));
	if (!row) return null;
	return files.get(thumb ? row.thumb_key : row.file_key);
}
