import { queryAsUser, withUser, type Database, type Sql } from '../db';
import type { SessionUser } from '../auth/sessions';
import type { FileStore } from '../storage/files';
import { newFileKey } from '../storage/files';
import type { AcceptedUpload } from '../storage/uploads';
import { getService } from './catalogue';
import type { AttachmentRow, RequestDetail, RequestEvent, RequestSummary, Subject } from '$lib/views/letters';
import { notify } from '../notifications';
import { nextStatus, type RequestStatus } from '$lib/domain/letters';
import { rtsWhere } from '$lib/domain/permissions';
import { isUuid } from '$lib/domain/ids';

/**
 * The resident's side of a letter request: drafts, attachments,
 * submit and resubmit, withdraw, and reading a request with its timeline. Every query
 * runs under the user's RLS; the requester is always the logged-in user.
 */

export const MAX_ATTACHMENTS = 6;

export type { AttachmentRow, RequestDetail, RequestEvent, RequestSummary, Subject };

const claimsOf = (user: SessionUser) => ({ sub: user.id, rw_id: user.rwId });


/** The people a resident may ask letters for: the members of their own household(s). */
export function listSubjects(db: Database, user: SessionUser): Promise<Subject[]> {
	return queryAsUser<Subject>(
		db,
		claimsOf(user),
		`select r.id, r.name, r.nik_masked, r.relation, r.sex, r.birth_place, r.birth_date::text as birth_date, r.status
		   from resident r
		  where r.rw_id = $1 and r.household_id in (select household_id from resident where user_id = $2)
		  order by (r.user_id = $2) desc nulls last, r.birth_date`,
		[user.rwId, user.id]
	);
}

export type ActorRole = 'resident' | 'rt_head' | 'rw_admin';

/** Appends a step to a request's timeline, with the actor's name frozen. */
export async function addEvent(tx: Sql, user: SessionUser, request: { id: string; rw_id: string }, action: string, role: ActorRole, note = ''): Promise<void> {
	const { text, params } = eventStatement(user, request, action, role, note);
	await tx.query(text, params);
}

/** `addEvent` as a statement, for a write sent as one batch. */
export function eventStatement(user: SessionUser, request: { id: string; rw_id: string }, action: string, role: ActorRole, note = '') {
	return {
		text: `insert into letter_event (rw_id, request_id, actor_id, actor_name, actor_role, action, note) values ($1, $2, $3, $4, $5, $6, $7)`,
		params: [request.rw_id, request.id, user.id, user.name, role, action, note]
	};
}

export type SaveResult =
	| { ok: true; id: string; status: RequestStatus }
	| { ok: false; reason: 'no_service' | 'not_online' | 'no_subject' | 'not_found' | 'not_editable' | 'needs_attachment' };

interface SaveInput {
	kind: string;
	subjectId: string;
	data: Record<string, string>;
	submit: boolean;
	/** Editing an existing draft or returned request. */
	requestId?: string | null;
}

/**
 * Creates or updates a request and optionally submits it. A draft keeps whatever was
 * typed (the connection may drop); submitting needs at least one attachment when the
 * service lists requirements, and notifies the RT head(s).
 */
export async function saveRequest(db: Database, user: SessionUser, input: SaveInput): Promise<SaveResult> {
	return withUser(db, claimsOf(user), async (tx) => {
		const service = await getService(tx, user.rwId!, input.kind);
		if (!service || !service.active) return { ok: false, reason: 'no_service' };
		if (service.mode !== 'online') return { ok: false, reason: 'not_online' };
		const subject = await tx.query<{ id: string; rt_id: string }>(
			`select r.id, r.rt_id from resident r
			  where r.id = $1 and r.rw_id = $2 and r.household_id in (select household_id from resident where user_id = $3)`,
			[input.subjectId, user.rwId, user.id]
		);
		if (!subject[0]) return { ok: false, reason: 'no_subject' };

		let id = input.requestId ?? null;
		let status: RequestStatus = 'draft';
		if (id) {
			const rows = await tx.query<{ id: string; rw_id: string; status: RequestStatus; service_id: string }>(
				'select id, rw_id, status, service_id from letter_request where id = $1 and requester_id = $2 for update',
				[id, user.id]
			);
			const current = rows[0];
			if (!current || current.service_id !== service.id) return { ok: false, reason: 'not_found' };
			if (current.status !== 'draft' && current.status !== 'returned') return { ok: false, reason: 'not_editable' };
			status = current.status;
			await tx.query(
				`update letter_request set subject_resident_id = $2, rt_id = $3, data = $4::text::jsonb, updated_at = now() where id = $1`,
				[id, subject[0].id, subject[0].rt_id, JSON.stringify(input.data)]
			);
		} else {
			const rows = await tx.query<{ id: string }>(
				`insert into letter_request (rw_id, rt_id, service_id, requester_id, subject_resident_id, data)
				 values ($1, $2, $3, $4, $5, $6::text::jsonb) returning id`,
				[user.rwId, subject[0].rt_id, service.id, user.id, subject[0].id, JSON.stringify(input.data)]
			);
			id = rows[0]!.id;
			await addEvent(tx, user, { id, rw_id: user.rwId! }, 'created', 'resident');
		}
		if (!input.submit) return { ok: true, id, status };

		if (service.requirements.length > 0) {
			const files = await tx.query<{ n: number }>('select count(*)::int as n from letter_attachment where request_id = $1', [id]);
			if (files[0]!.n === 0) return { ok: false, reason: 'needs_attachment' };
		}
		const after = nextStatus(status, 'submit');
		if (!after) return { ok: false, reason: 'not_editable' };
		await tx.query(
			`update letter_request set status = 'submitted', reason = '', returned_by_role = null,
			        submitted_at = coalesce(submitted_at, now()), updated_at = now() where id = $1`,
			[id]
		);
		await addEvent(tx, user, { id, rw_id: user.rwId! }, status === 'returned' ? 'resubmitted' : 'submitted', 'resident');
		const heads = await tx.query<{ id: string }>('select app.rt_head_user_ids($1) as id', [subject[0].rt_id]);
		await notify(tx, user.rwId!, heads.map((h) => h.id), 'letter.submitted', { service: service.name, name: user.name }, `/rt/surat/${id}`);
		return { ok: true, id, status: 'submitted' };
	});
}

/** Adds a checked, re-encoded file to the requester's draft or returned request. */
export async function addAttachment(
	db: Database,
	store: FileStore,
	user: SessionUser,
	requestId: string,
	file: AcceptedUpload,
	label: string
): Promise<{ ok: true; id: string } | { ok: false; reason: 'not_found' | 'not_editable' | 'too_many' }> {
	const key = newFileKey('letters', user.rwId!, file.ext);
	const result = await withUser(db, claimsOf(user), async (tx) => {
		const rows = await tx.query<{ status: RequestStatus }>(
			'select status from letter_request where id = $1 and requester_id = $2 for update',
			[requestId, user.id]
		);
		if (!rows[0]) return { ok: false as const, reason: 'not_found' as const };
		if (rows[0].status !== 'draft' && rows[0].status !== 'returned') return { ok: false as const, reason: 'not_editable' as const };
		const count = await tx.query<{ n: number }>('select count(*)::int as n from letter_attachment where request_id = $1', [requestId]);
		if (count[0]!.n >= MAX_ATTACHMENTS) return { ok: false as const, reason: 'too_many' as const };
		// The file is written before the row commits; if the commit fails it is an orphan, never a dangling row.
		await store.put(key, file.bytes, file.contentType);
		const inserted = await tx.query<{ id: string }>(
			`insert into letter_attachment (rw_id, request_id, file_key, content_type, original_name, size_bytes, label, uploaded_by)
			 values ($1, $2, $3, $4, $5, $6, $7, $8) returning id`,
			[user.rwId, requestId, key, file.contentType, file.originalName, file.bytes.byteLength, label.slice(0, 200), user.id]
		);
		return { ok: true as const, id: inserted[0]!.id };
	});
	return result;
}

export async function removeAttachment(db: Database, store: FileStore, user: SessionUser, requestId: string, attachmentId: string): Promise<boolean> {
	const key = await withUser(db, claimsOf(user), async (tx) => {
		const rows = await tx.query<{ file_key: string }>(
			`delete from letter_attachment a using letter_request r
			  where a.id = $1 and a.request_id = $2 and r.id = a.request_id and r.requester_id = $3 and r.status in ('draft', 'returned')
			  returning a.file_key`,
			[attachmentId, requestId, user.id]
		);
		return rows[0]?.file_key ?? null;
	});
	if (key) await store.delete(key);
	return key !== null;
}

/** An attachment's bytes, if the user may see its request (requester, its RT head, the RW admin). */
export async function readAttachment(
	db: Database,
	store: FileStore,
	user: SessionUser,
	requestId: string,
	attachmentId: string
): Promise<{ bytes: Uint8Array; contentType: string; name: string } | null> {
	const rows = await queryAsUser<{ file_key: string; content_type: string; original_name: string }>(
		db,
		claimsOf(user),
		'select file_key, content_type, original_name from letter_attachment where id = $1 and request_id = $2',
		[attachmentId, requestId]
	);
	const row = rows[0];
	if (!row) return null;
	const file = await store.get(row.file_key);
	return file ? { bytes: file.bytes, contentType: row.content_type, name: row.original_name } : null;
}

export function listAttachments(db: Database, user: SessionUser, requestId: string): Promise<AttachmentRow[]> {
	return queryAsUser<AttachmentRow>(
		db,
		claimsOf(user),
		'select id, content_type, original_name, size_bytes, label from letter_attachment where request_id = $1 order by created_at',
		[requestId]
	);
}

export async function withdrawRequest(db: Database, user: SessionUser, requestId: string): Promise<'ok' | 'not_found' | 'conflict'> {
	return withUser(db, claimsOf(user), async (tx) => {
		const rows = await tx.query<{ id: string; rw_id: string; status: RequestStatus }>(
			'select id, rw_id, status from letter_request where id = $1 and requester_id = $2 for update',
			[requestId, user.id]
		);
		const request = rows[0];
		if (!request) return 'not_found';
		if (!nextStatus(request.status, 'withdraw')) return 'conflict';
		await tx.query(`update letter_request set status = 'withdrawn', finished_at = now(), updated_at = now() where id = $1`, [requestId]);
		await addEvent(tx, user, request, 'withdrawn', 'resident');
		return 'ok';
	});
}


const SUMMARY = `select q.id, s.kind, s.name as service_name, q.status, r.name as subject_name, rt.number as rt_number,
	q.created_at, q.submitted_at, s.days, l.number, (l.cancelled_at is not null) as cancelled
	from letter_request q
	join letter_service s on s.id = q.service_id
	join resident r on r.id = q.subject_resident_id
	join rt on rt.id = q.rt_id
	left join letter l on l.request_id = q.id`;

/** The requester's own requests, newest first. */
export function listMyRequests(db: Database, user: SessionUser): Promise<RequestSummary[]> {
	return queryAsUser<RequestSummary>(
		db,
		claimsOf(user),
		`${SUMMARY} where q.requester_id = $1 and q.rw_id = $2 order by q.created_at desc limit 200`, [user.id, user.rwId]
	);
}

/**
 * A queue: the RT head's RT requests waiting for them (`rt`), or the RW's requests
 * waiting for the RW (`rw`); `done` lists what was decided recently. RLS scopes both.
 */
export function listQueue(db: Database, user: SessionUser, stage: 'rt' | 'rw', view: 'waiting' | 'done'): Promise<RequestSummary[]> {
	const waiting = stage === 'rt' ? `q.status = 'submitted'` : `q.status = 'rt_approved'`;
	const done =
		stage === 'rt'
			? `q.status in ('rt_approved', 'issued', 'returned', 'rejected') and q.submitted_at is not null`
			: `q.status in ('issued', 'rejected') or (q.status = 'returned' and q.returned_by_role = 'rw_admin')`;
	const rts = rtsWhere(user, stage === 'rt' ? 'letters.review_rt' : 'letters.review_rw');
	const scope = Array.isArray(rts) ? `q.rt_id = any($2::uuid[])` : rts === 'rw' ? `true` : `false`;
	const order = view === 'waiting' ? 'q.submitted_at asc' : 'q.updated_at desc';
	return queryAsUser<RequestSummary>(
		db,
		claimsOf(user),
		`${SUMMARY} where q.rw_id = $1 and ${scope} and (${view === 'waiting' ? waiting : done}) order by ${order} limit 200`,
		Array.isArray(rts) ? [user.rwId, rts] : [user.rwId]
	);
}




/** One request with its service, subject, timeline, files and letter, if the user may see it. */
export async function getRequest(db: Database, user: SessionUser, requestId: string): Promise<RequestDetail | null> {
	if (!isUuid(requestId)) return null;
	return withUser(db, claimsOf(user), async (tx) => {
		const rows = await tx.query<Omit<RequestDetail, 'service' | 'subject' | 'events' | 'attachments' | 'letter' | 'booking' | 'surveyed' | 'requester_name'> & { kind: string; subject_id: string }>(
			`select q.id, q.rw_id, q.rt_id, q.requester_id, q.status, q.data, q.reason, q.returned_by_role, q.submitted_at,
			        q.created_at, q.finished_at, s.kind, q.subject_resident_id as subject_id
			   from letter_request q join letter_service s on s.id = q.service_id
			  where q.id = $1 and q.rw_id = $2`,
			[requestId, user.rwId]
		);
		const row = rows[0];
		if (!row) return null;
		const service = (await getService(tx, user.rwId!, row.kind))!;
		const subject = await tx.query<RequestDetail['subject']>(
			`select r.id, r.name, r.nik_masked, r.relation, r.sex, r.birth_place, r.birth_date::text as birth_date, r.status,
			        rt.number as rt_number,
			        trim(both ' ' from concat_ws(' ', nullif(h.address, ''), case when hs.block <> '' then 'Blok ' || hs.block end, 'No. ' || hs.number)) as address
			   from resident r join household h on h.id = r.household_id join house hs on hs.id = h.house_id join rt on rt.id = r.rt_id
			  where r.id = $1`,
			[row.subject_id]
		);
		const events = await tx.query<RequestEvent>(
			'select action, actor_name, actor_role, note, at from letter_event where request_id = $1 order by at, id',
			[requestId]
		);
		const attachments = await tx.query<AttachmentRow>(
			'select id, content_type, original_name, size_bytes, label from letter_attachment where request_id = $1 order by created_at',
			[requestId]
		);
		const letters = await tx.query<NonNullable<RequestDetail['letter']>>(
			`select id, number, issued_at, verify_token, pdf_sha256, cancelled_at, cancel_reason, picked_up_at, signer_name, signer_role
			   from letter where request_id = $1`,
			[requestId]
		);
		const letter = letters[0] ?? null;
		const booking = letter
			? await tx.query<{ slot_start: string }>('select slot_start from pickup_booking where letter_id = $1 and cancelled_at is null', [letter.id])
			: [];
		const survey = await tx.query('select 1 from letter_survey where request_id = $1', [requestId]);
		const requester = events.find((e) => e.action === 'created');
		return {
			...row,
			requester_name: requester?.actor_name ?? '',
			service,
			subject: subject[0]!,
			events,
			attachments,
			letter,
			booking: booking[0] ?? null,
			surveyed: survey.length > 0
		};
	});
}
