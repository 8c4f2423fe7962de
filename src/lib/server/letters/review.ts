import { randomBytes } from 'node:crypto';
import { batchAsUser, isChangedSinceRead, type Database, type Statement } from '../db';
import { perDatabase } from '../db/per-database';
import type { SessionUser } from '../auth/sessions';
import { auditStatement } from '../audit';
import type { PiiKeys } from '../crypto/pii';
import type { FileStore } from '../storage/files';
import { notifyStatement } from '../notifications';
import { wakePushSenders } from '../push/wake';
import { serviceOfRequestStatement, settingsFrom, settingsStatement, type LetterService, type LetterSettings } from './catalogue';
import { eventStatement } from './requests';
import type { LetterPdfInput } from './pdf';
import { sealLetter } from './seal';
import { fillTemplate, nextStatus, type LetterAction, type RequestStatus } from '$lib/domain/letters';
import { formatIndonesianDate, formatLetterNumber, registerPeriod } from '$lib/domain/letter-number';
import { translate } from '$lib/i18n';
import { rtNumber } from '$lib/domain/registry';
import { may, mayAnywhere, type Action } from '$lib/domain/permissions';
import { isUuid } from '$lib/domain/ids';

/**
 * The approval chain (docs/domain.md, "Administrative letters"): the RT head of the request's RT approves,
 * returns or rejects; then the RW admin returns, rejects, or approves — which numbers
 * the letter from the register and stores it with its data and signer frozen, in one
 * short transaction. Its PDF is rendered after that transaction commits and sealed in
 * a second short write (seal.ts), so a render holds no lock and no database session.
 */

export interface IssueContext {
	pii: PiiKeys;
	store: FileStore;
	/** Public origin for the QR code's verify URL, e.g. https://rw012.example.id */
	origin: string;
	now?: Date;
}

export type Decision = 'approve' | 'return' | 'reject';

/** One decision on a letter request: at which stage (the RT head's, then the RW admin's), which, and the note (a reason to return or reject). */
export interface Review {
	requestId: string;
	stage: 'rt' | 'rw';
	decision: Decision;
	note?: string;
}
export type DecideResult =
	| { ok: true; status: RequestStatus; number?: string }
	| { ok: false; reason: 'not_found' | 'forbidden' | 'conflict' };

const ACTIONS: Record<'rt' | 'rw', Record<Decision, LetterAction>> = {
	rt: { approve: 'rt_approve', return: 'rt_return', reject: 'rt_reject' },
	rw: { approve: 'rw_issue', return: 'rw_return', reject: 'rw_reject' }
};

/** Who decides at each stage (permissions.ts): the head of the request's RT, then the RW admin. */
const REVIEW = { rt: 'letters.review_rt', rw: 'letters.review_rw' } as const satisfies Record<'rt' | 'rw', Action>;

interface LockedRequest {
	id: string;
	rw_id: string;
	rt_id: string;
	status: RequestStatus;
	requester_id: string;
	service_id: string;
	kind: string;
	subject_resident_id: string;
	data: Record<string, string>;
}

/**
 * Deciding is one read and one write, each a single batch as the user (`batchAsUser`):
 * on PGlite the one session is never held across the main thread's turns, where
 * sensor acknowledgements and alarms wait behind it (docs/architecture.md, "The
 * database"). The write's first statements check that the request is still in the
 * status that was read (locking it) and, when a letter is issued, that the register's
 * next number is the one read; when another decision got there first the write is
 * rolled back whole and the decision is read and made again. In this process the
 * decisions of one RW go one at a time (`inTurn`), so they do not race each other for
 * the register's next number; instances sharing a PostgreSQL database may, and retry.
 */
const ATTEMPTS = 20;

/** Per database and RW, the last decision started: the next one starts after it settles. */
const turns = perDatabase(() => new Map<string, Promise<unknown>>());

function inTurn<T>(db: Database, rwId: string, fn: () => Promise<T>): Promise<T> {
	const queues = turns.of(db);
	const before = queues.get(rwId) ?? Promise.resolve();
	const mine = before.then(fn, fn);
	const settled = mine.catch(() => {});
	queues.set(rwId, settled);
	void settled.then(() => {
		if (queues.get(rwId) === settled) queues.delete(rwId);
	});
	return mine;
}

export async function decide(db: Database, user: SessionUser, review: Review, ctx: IssueContext): Promise<DecideResult> {
	if (!isUuid(review.requestId)) return { ok: false, reason: 'not_found' };
	if (!mayAnywhere(user, REVIEW[review.stage])) return { ok: false, reason: 'forbidden' };
	const { result, letterId } = await inTurn(db, user.rwId!, async () => {
		for (let attempt = 1; ; attempt++) {
			try {
				return await decideOnce(db, user, review, ctx);
			} catch (err) {
				if (!isChangedSinceRead(err) || attempt === ATTEMPTS) throw err;
			}
		}
	});
	if (result.ok && letterId) {
		// The letter is issued and numbered whatever happens here: a PDF that cannot be
		// rendered or stored now is sealed at the next start or on its first download.
		await sealLetter(db, ctx, letterId).catch((err: unknown) => console.error(`letter ${result.number}: the PDF will be sealed later:`, err));
	}
	return result;
}

interface IssueReads {
	settings: LetterSettings;
	rw: { name: string; code: string; kelurahan: string; kecamatan: string; city: string; address: string };
	subject: {
		name: string;
		nik_enc: string;
		nik_masked: string;
		birth_place: string;
		birth_date: string;
		sex: 'L' | 'P';
		religion: string | null;
		marital_status: string | null;
		occupation: string;
		rt_number: number;
		address: string;
	};
	rtApproval: { actor_name: string } | undefined;
	/** The register's last number for the letter's kind and year; 0 before its first letter. */
	lastSeq: number;
}

/** What issuing a letter reads besides the request and its service. */
const ISSUE_READS = (requestId: string, rwId: string, year: number): Statement[] => [
	settingsStatement(rwId),
	{ text: 'select name, code, kelurahan, kecamatan, city, address from rw where id = $1', params: [rwId] },
	{
		text: `select r.name, r.nik_enc, r.nik_masked, r.birth_place, r.birth_date::text as birth_date, r.sex, r.religion,
		        r.marital_status, r.occupation, rt.number as rt_number,
		        trim(both ' ' from concat_ws(' ', nullif(h.address, ''), case when hs.block <> '' then 'Blok ' || hs.block end, 'No. ' || hs.number)) as address
		   from resident r join household h on h.id = r.household_id join house hs on hs.id = h.house_id join rt on rt.id = r.rt_id
		  where r.id = (select subject_resident_id from letter_request where id = $1 and rw_id = $2)`,
		params: [requestId, rwId]
	},
	{
		text: `select actor_name from letter_event where request_id = $1 and action = 'rt_approved' order by at desc, id desc limit 1`,
		params: [requestId]
	},
	{
		text: `select last_seq from letter_register g
		  where g.rw_id = $2 and g.year = $3
		    and g.kind = (select s.kind from letter_request q join letter_service s on s.id = q.service_id where q.id = $1 and q.rw_id = $2)`,
		params: [requestId, rwId, year]
	}
];

async function decideOnce(
	db: Database,
	user: SessionUser,
	{ requestId, stage, decision, note = '' }: Review,
	ctx: IssueContext
): Promise<{ result: DecideResult; letterId?: string }> {
	const claims = { sub: user.id, rw_id: user.rwId };
	const rwId = user.rwId!;
	const action = ACTIONS[stage][decision];
	const issuedAt = ctx.now ?? new Date();
	const { year } = registerPeriod(issuedAt);
	const reads: Statement[] = [
		{
			text: `select q.id, q.rw_id, q.rt_id, q.status, q.requester_id, q.service_id, s.kind, q.subject_resident_id, q.data
			   from letter_request q join letter_service s on s.id = q.service_id
			  where q.id = $1 and q.rw_id = $2`,
			params: [requestId, rwId]
		},
		serviceOfRequestStatement(requestId, rwId),
		...(action === 'rt_approve' ? [{ text: 'select app.rw_admin_user_ids($1) as id', params: [rwId] }] : [])
	];
	// What issuing reads besides comes in a message of its own: on PGlite each message
	// holds the one session while readings wait, and the two together were the longest
	// read (bench/README.md, "thirteenth session"). Nothing is lost by reading apart: the
	// write checks that the status and the register's number are still those read.
	const [[requests, services, ...rest], issueReads] = await Promise.all([
		batchAsUser(db, claims, reads),
		action === 'rw_issue' ? batchAsUser(db, claims, ISSUE_READS(requestId, rwId, year)) : Promise.resolve([])
	]);
	const request = (requests as LockedRequest[])[0];
	// RLS hides other RTs' and RWs' requests: a wrong-RT head gets "not found".
	if (!request || request.status === 'draft') return { result: { ok: false, reason: 'not_found' } };
	if (!may(user, REVIEW[stage], { rtId: request.rt_id })) return { result: { ok: false, reason: 'forbidden' } };
	const after = nextStatus(request.status, action);
	if (!after) return { result: { ok: false, reason: 'conflict' } };
	const service = (services as LetterService[])[0]!;

	const role = stage === 'rt' ? 'rt_head' : 'rw_admin';
	const writes: Statement[] = [
		{
			// Locks the request, and rolls the write back if another decision changed it since it was read.
			text: `select app.expect_unchanged(count(*) = 1, 'letter_request') from (select 1 from letter_request where id = $1 and status = $2 for update) q`,
			params: [request.id, request.status]
		}
	];
	let number: string | undefined;
	let letterAt = -1;
	if (action === 'rw_issue') {
		const [settings, rws, subjects, approvals, register] = issueReads as [LetterSettings[], IssueReads['rw'][], IssueReads['subject'][], { actor_name: string }[], { last_seq: number }[]];
		const letter = issueLetter(user, request, service, ctx, issuedAt, {
			settings: settingsFrom(settings),
			rw: rws[0]!,
			subject: subjects[0]!,
			rtApproval: approvals[0],
			lastSeq: register[0]?.last_seq ?? 0
		});
		number = letter.number;
		writes.push(letter.register);
		letterAt = writes.push(letter.insert) - 1;
	}
	writes.push({
		text: `update letter_request set status = $2, updated_at = now(),
		        reason = case when $2 in ('returned', 'rejected') then $3 else '' end,
		        returned_by_role = case when $2 = 'returned' then $4 else null end,
		        rt_approved_at = case when $2 = 'rt_approved' then now() else rt_approved_at end,
		        finished_at = case when $2 in ('issued', 'rejected') then now() else finished_at end
		  where id = $1`,
		params: [request.id, after, note, role]
	});
	writes.push(eventStatement(user, request, after, role, number ? number : note));
	const link = `/surat/${request.id}`;
	const notices = [notifyStatement(request.rw_id, [request.requester_id], `letter.${after}`, { service: service.name, number: number ?? '', note }, link)];
	if (action === 'rt_approve') {
		const admins = rest[0] as { id: string }[];
		notices.push(notifyStatement(request.rw_id, admins.map((a) => a.id), 'letter.waiting_rw', { service: service.name }, `/rw/surat/${request.id}`));
	}
	writes.push(...notices.filter((n): n is Statement => n !== null));
	writes.push(auditStatement({ rwId: request.rw_id, actorId: user.id, action: `letters.${after}`, target: request.id, detail: number ? { number } : {} }));
	const results = await batchAsUser(db, claims, writes);
	if (notices.some((n) => n !== null)) wakePushSenders();
	const letterId = letterAt >= 0 ? (results[letterAt] as { id: string }[])[0]!.id : undefined;
	return { result: { ok: true, status: after, number }, letterId };
}

const t = (key: string) => translate('id', key);

/**
 * The letter's number and its two statements: `register` takes the register's next
 * number and checks it is the one read (the register's row lock serialises approvals;
 * a decision that read an older number is rolled back and made again), `insert`
 * stores the letter with its data and signer frozen, returning its id.
 */
function issueLetter(
	user: SessionUser,
	request: LockedRequest,
	service: LetterService,
	ctx: IssueContext,
	issuedAt: Date,
	{ settings, rw, subject, rtApproval, lastSeq }: IssueReads
): { number: string; register: Statement; insert: Statement } {
	const { year, month } = registerPeriod(issuedAt);
	const seq = lastSeq + 1;
	const register: Statement = {
		text: `with taken as (
		   insert into letter_register (rw_id, kind, year, last_seq) values ($1, $2, $3, 1)
		   on conflict (rw_id, kind, year) do update set last_seq = letter_register.last_seq + 1
		   returning last_seq
		 )
		 select app.expect_unchanged(last_seq = $4, 'letter_register') from taken`,
		params: [request.rw_id, request.kind, year, seq]
	};
	const number = formatLetterNumber(settings.number_format, { seq, kind: request.kind, rw: rw.code, month, year });
	const token = randomBytes(18).toString('base64url');
	const rwNo = rw.code.replace(/^RW/, '');
	const rtNo = rtNumber(subject.rt_number);
	const dateText = (iso: string) => formatIndonesianDate(new Date(`${iso}T12:00:00+07:00`));

	const values: Record<string, string> = {
		nama: subject.name,
		nik: subject.nik_masked,
		ttl: `${subject.birth_place || '-'}, ${dateText(subject.birth_date)}`,
		jenis_kelamin: t(`sex.${subject.sex}`),
		agama: subject.religion ? t(`religion.${subject.religion}`) : '-',
		status_perkawinan: subject.marital_status ? t(`marital.${subject.marital_status}`) : '-',
		pekerjaan: subject.occupation || '-',
		alamat: subject.address,
		rt: rtNo,
		rw: rwNo,
		kelurahan: rw.kelurahan,
		kecamatan: rw.kecamatan,
		kota: rw.city,
		layanan: service.name,
		produk: service.product
	};
	for (const field of service.fields) {
		const raw = request.data[field.key] ?? '';
		values[field.key] = raw === '' ? '-' : field.type === 'date' ? dateText(raw) : raw;
	}
	const identity = [
		{ label: 'Nama', value: subject.name },
		{ label: 'NIK', value: '' },
		{ label: 'Tempat/Tgl. Lahir', value: values.ttl! },
		{ label: 'Jenis Kelamin', value: values.jenis_kelamin! },
		{ label: 'Agama', value: values.agama! },
		{ label: 'Status Perkawinan', value: values.status_perkawinan! },
		{ label: 'Pekerjaan', value: values.pekerjaan! },
		{ label: 'Alamat', value: `${subject.address}, RT ${rtNo} RW ${rwNo}` }
	];
	const frozen: Omit<LetterPdfInput, 'issuedAt'> & { issuedAt: string } = {
		rw: { name: rw.name, code: rw.code, kelurahan: rw.kelurahan, kecamatan: rw.kecamatan, city: rw.city, address: rw.address },
		number,
		title: service.name.toUpperCase(),
		opening: `Yang bertanda tangan di bawah ini, Ketua RW ${rwNo} Kelurahan ${rw.kelurahan}, Kecamatan ${rw.kecamatan}, ${rw.city}, menerangkan bahwa:`,
		fields: identity,
		body: fillTemplate(service.template, values),
		issuedAt: issuedAt.toISOString(),
		place: settings.place || rw.city,
		signer: { name: user.name, role: `Ketua RW ${rwNo}` },
		rtSigner: rtApproval ? { name: rtApproval.actor_name, role: `Ketua RT ${rtNo}` } : null,
		verifyUrl: `${ctx.origin.replace(/\/$/, '')}/v/${token}`
	};
	const insert: Statement = {
		text: `insert into letter (rw_id, request_id, kind, year, seq, number, verify_token, holder_name, holder_nik_masked, service_name,
		   signer_name, signer_role, frozen, issued_at, issued_by)
		 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::text::jsonb, $14, $15) returning id`,
		params: [
			request.rw_id,
			request.id,
			request.kind,
			year,
			seq,
			number,
			token,
			subject.name,
			subject.nik_masked,
			service.name,
			frozen.signer.name,
			frozen.signer.role,
			JSON.stringify({ ...frozen, nik_enc: subject.nik_enc }),
			issuedAt,
			user.id
		]
	};
	return { number, register, insert };
}
