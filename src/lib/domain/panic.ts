/**
 * Panic incidents: the lifecycle and its rules, pure (docs/panic.md). The database
 * holds the same moves as a trigger (migration 20261208110000_panic_incidents.sql), its
 * last guard; services ask here first, to answer with a clear reason.
 *
 *   triggered → acknowledged → dispatched (an officer) → resolved | false_alarm
 *   triggered → cancelled (by the resident, within CANCEL_WINDOW_S; still kept)
 *
 * An officer may close an acknowledged incident without dispatching anyone (a resident
 * who called the post back, a false alarm found on the phone).
 */

export const CATEGORIES = ['kejahatan', 'kebakaran', 'medis', 'lainnya'] as const;
export type Category = (typeof CATEGORIES)[number];

export const STATES = ['triggered', 'acknowledged', 'dispatched', 'resolved', 'false_alarm', 'cancelled'] as const;
export type IncidentState = (typeof STATES)[number];

/** What a person does to an incident. */
export type Move = 'acknowledge' | 'dispatch' | 'resolve' | 'false_alarm' | 'cancel';

/** How long after the press the resident may still cancel it. */
export const CANCEL_WINDOW_S = 10;
/** Default seconds without acknowledgement before an incident escalates (PANIC_ESCALATE_S). */
export const DEFAULT_ESCALATE_S = 60;

const MOVES: Record<Move, { from: readonly IncidentState[]; to: IncidentState }> = {
	acknowledge: { from: ['triggered'], to: 'acknowledged' },
	dispatch: { from: ['acknowledged'], to: 'dispatched' },
	resolve: { from: ['acknowledged', 'dispatched'], to: 'resolved' },
	false_alarm: { from: ['acknowledged', 'dispatched'], to: 'false_alarm' },
	cancel: { from: ['triggered'], to: 'cancelled' }
};

export const OPEN_STATES: readonly IncidentState[] = ['triggered', 'acknowledged', 'dispatched'];
export const isOpen = (state: IncidentState) => OPEN_STATES.includes(state);

export type MoveResult = { ok: true; to: IncidentState } | { ok: false; reason: 'illegal' | 'cancel_window' | 'not_reporter' };

export interface MoveContext {
	/** When the incident was triggered and now (for the cancel window). */
	triggeredAt: Date;
	now: Date;
	/** Whether the person moving it is the one who pressed (a cancel needs it). */
	byReporter: boolean;
}

/** Whether `move` may be made from `state` now; the new state when it may. */
export function applyMove(state: IncidentState, move: Move, ctx: MoveContext): MoveResult {
	const rule = MOVES[move];
	if (!rule.from.includes(state)) return { ok: false, reason: 'illegal' };
	if (move === 'cancel') {
		if (!ctx.byReporter) return { ok: false, reason: 'not_reporter' };
		if (ctx.now.getTime() - ctx.triggeredAt.getTime() > CANCEL_WINDOW_S * 1000) return { ok: false, reason: 'cancel_window' };
	}
	return { ok: true, to: rule.to };
}

/** The state a move leads to (for the SQL conditional update: `where state = any(from)`). */
export const movesFrom = (move: Move): readonly IncidentState[] => MOVES[move].from;

/** When an incident not yet acknowledged escalates. */
export function escalatesAt(triggeredAt: Date, escalateS: number): Date {
	return new Date(triggeredAt.getTime() + escalateS * 1000);
}

export function isEscalationDue(state: IncidentState, triggeredAt: Date, escalatedAt: Date | null, now: Date, escalateS: number): boolean {
	return state === 'triggered' && escalatedAt === null && now.getTime() >= escalatesAt(triggeredAt, escalateS).getTime();
}

/** The resident's words for where their press is (i18n key suffix under `panic.status.`). */
export function residentStatus(state: IncidentState): 'sent' | 'received' | 'on_the_way' | 'done' | 'cancelled' {
	switch (state) {
		case 'triggered':
			return 'sent';
		case 'acknowledged':
			return 'received';
		case 'dispatched':
			return 'on_the_way';
		case 'cancelled':
			return 'cancelled';
		default:
			return 'done';
	}
}

/** The value below which `p` of the sorted values lie (nearest rank); null for none. */
export function percentile(values: readonly number[], p: number): number | null {
	if (values.length === 0) return null;
	const sorted = [...values].sort((a, b) => a - b);
	const rank = Math.ceil((p / 100) * sorted.length);
	return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}
