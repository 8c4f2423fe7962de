/**
 * Rules of the letter flow (docs/domain.md, "Administrative letters"): which step may follow which, the SLA clock,
 * the SKM index and the body template. Pure: no I/O.
 */

export const REQUEST_STATUSES = ['draft', 'submitted', 'returned', 'rt_approved', 'issued', 'rejected', 'withdrawn'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

export type LetterAction =
	| 'submit' // resident: draft → submitted, returned → submitted
	| 'withdraw' // resident: before it is issued
	| 'rt_approve'
	| 'rt_return'
	| 'rt_reject'
	| 'rw_issue' // RW admin approves and numbers
	| 'rw_return'
	| 'rw_reject';

const FROM: Record<LetterAction, readonly RequestStatus[]> = {
	submit: ['draft', 'returned'],
	withdraw: ['draft', 'submitted', 'returned', 'rt_approved'],
	rt_approve: ['submitted'],
	rt_return: ['submitted'],
	rt_reject: ['submitted'],
	rw_issue: ['rt_approved'],
	rw_return: ['rt_approved'],
	rw_reject: ['rt_approved']
};

/** The status an action leads to; it is also the name of its timeline entry (`letter_event.action`). */
const TO: Record<LetterAction, RequestStatus> = {
	submit: 'submitted',
	withdraw: 'withdrawn',
	rt_approve: 'rt_approved',
	rt_return: 'returned',
	rt_reject: 'rejected',
	rw_issue: 'issued',
	rw_return: 'returned',
	rw_reject: 'rejected'
};


/** The status after an action, or null when the action is not allowed from `status`. */
export function nextStatus(status: RequestStatus, action: LetterAction): RequestStatus | null {
	return FROM[action].includes(status) ? TO[action] : null;
}

/** What a requester may do with their own request now. */
export interface RequesterActions {
	/** Change the draft, or fix a returned request and send it again. */
	edit: boolean;
	withdraw: boolean;
	/** Book a pick-up slot: the letter is issued, not cancelled, not yet picked up. */
	book: boolean;
	/** Answer the SKM survey: once per issued letter. */
	survey: boolean;
}

/**
 * The requester's actions on a request (docs/domain.md, "Administrative letters"):
 * the same transitions the services enforce, so the page offers only what would work.
 */
export function requesterActions(request: {
	status: RequestStatus;
	surveyed: boolean;
	letter: { cancelled_at: string | null; picked_up_at: string | null } | null;
}): RequesterActions {
	const { status, letter } = request;
	return {
		edit: nextStatus(status, 'submit') !== null,
		withdraw: nextStatus(status, 'withdraw') !== null,
		book: letter !== null && !letter.cancelled_at && !letter.picked_up_at,
		survey: status === 'issued' && !request.surveyed
	};
}

/** Statuses that still wait for someone (shown on queues, counted by the SLA clock). */
export const OPEN_STATUSES: readonly RequestStatus[] = ['submitted', 'rt_approved'];

export interface SlaState {
	/** Whole days since submission (WIB calendar days are not needed: a day is 24 h). */
	elapsedDays: number;
	dueAt: Date;
	overdue: boolean;
}

/** The SLA clock of a request: time since submission against the service standard. */
export function slaState(submittedAt: Date, standardDays: number, now: Date): SlaState {
	const dayMs = 86_400_000;
	const dueAt = new Date(submittedAt.getTime() + standardDays * dayMs);
	return {
		elapsedDays: Math.max(0, Math.floor((now.getTime() - submittedAt.getTime()) / dayMs)),
		dueAt,
		overdue: now.getTime() > dueAt.getTime()
	};
}

/** The nine SKM elements (Permenpan RB 14/2017), in the order of the questionnaire. */
export const SKM_ELEMENTS = [
	'persyaratan',
	'prosedur',
	'waktu',
	'biaya',
	'produk',
	'kompetensi',
	'perilaku',
	'pengaduan',
	'sarana'
] as const;

/** SKM index: mean of all element scores (1–4) × 25, so 25–100; null without answers. */
export function skmIndex(responses: readonly (readonly number[])[]): number | null {
	let sum = 0;
	let n = 0;
	for (const scores of responses)
		{for (const s of scores) {
			sum += s;
			n++;
		}}
	return n === 0 ? null : Math.round((sum / n) * 25 * 100) / 100;
}

/** SKM grade (mutu pelayanan) for an index. */
export function skmGrade(index: number): 'A' | 'B' | 'C' | 'D' {
	if (index >= 88.31) return 'A';
	if (index >= 76.61) return 'B';
	if (index >= 65) return 'C';
	return 'D';
}

const PLACEHOLDER = /\{\{\s*([a-z][a-z0-9_]{0,39})\s*\}\}/g;

/** The `{{name}}` placeholders a template uses, in order of first use. */
export function templatePlaceholders(template: string): string[] {
	return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}

/**
 * Fills a body template. The result is plain text: values are inserted verbatim and
 * never interpreted (the PDF draws text, the page escapes it), and a value cannot
 * introduce new placeholders because replacement is a single pass.
 */
export function fillTemplate(template: string, values: Readonly<Record<string, string>>): string {
	return template.replace(PLACEHOLDER, (_, key: string) => values[key] ?? '');
}

/** Median of durations (ms), or null for none. */
export function median(values: readonly number[]): number | null {
	if (values.length === 0) return null;
	const sorted = [...values].sort((a, b) => a - b);
	const mid = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
