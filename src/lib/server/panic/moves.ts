import { applyMove, type IncidentState, type Move } from '$lib/domain/panic';
import { may } from '$lib/domain/permissions';
import { withUser, type Database } from '../db';
import type { SessionUser } from '../auth/sessions';
import { audit } from '../audit';
import { notifyPanic } from './responders';
import { UUID } from './queries';

export type MoveFailure = 'forbidden' | 'not_found' | 'illegal' | 'cancel_window' | 'not_reporter' | 'bad_officer' | 'conflict';
export type MoveResult = { ok: true; state: IncidentState } | { ok: false; reason: MoveFailure };

export interface MoveOptions {
	note: string | null;
	officerId?: string;
	now: Date;
}

/** The columns a move sets (its time and person); the step row is written by the database's trigger. */
const SETS: Record<Move, string> = {
	acknowledge: 'acknowledged_at = $3, acknowledged_by = $4',
	dispatch: 'dispatched_at = $3, dispatched_by = $4, officer_id = $7::uuid',
	resolve: 'closed_at = $3, closed_by = $4',
	false_alarm: 'closed_at = $3, closed_by = $4',
	cancel: 'closed_at = $3, closed_by = $4'
};

/**
 * One step of an incident, as the user (RLS: officers and the RW admin of its RW move
 * it along; its reporter may only cancel it, while fresh). The domain's rules answer
 * first; the update is conditional on the state read, so two officers pressing at once
 * make one step and the other is told (`conflict`). The reporter is told of each step
 * in the same transaction (docs/panic.md).
 */
export async function moveIncident(db: Database, user: SessionUser, id: string, move: Move, options: MoveOptions): Promise<MoveResult> {
	if (!user.rwId || !UUID.test(id)) return { ok: false, reason: 'not_found' };
	if (move !== 'cancel' && !may(user, 'incidents.handle')) return { ok: false, reason: 'forbidden' };
	const rwId = user.rwId;
	return withUser(db, { sub: user.id, rw_id: rwId }, async (tx): Promise<MoveResult> => {
		const [row] = await tx.query<{ state: IncidentState; triggered_at: Date | string; reporter_id: string | null; place_label: string }>(
			'select state, triggered_at, reporter_id, place_label from panic_incident where id = $1 and rw_id = $2',
			[id, rwId]
		);
		if (!row) return { ok: false, reason: 'not_found' };
		const byReporter = row.reporter_id === user.id;
		if (move === 'cancel' && !byReporter) return { ok: false, reason: 'not_reporter' };
		const decided = applyMove(row.state, move, { triggeredAt: new Date(row.triggered_at), now: options.now, byReporter });
		if (!decided.ok) return decided;
		let officerName = '';
		if (move === 'dispatch') {
			const officers = await tx.query<{ id: string; name: string }>('select id, name from app.panic_officers($1)', [rwId]);
			const officer = officers.find((o) => o.id === options.officerId);
			if (!officer) return { ok: false, reason: 'bad_officer' };
			officerName = officer.name;
		}
		const updated = await tx.query<{ id: string }>(
			`update panic_incident set state = $5, note = $6, ${SETS[move]} where id = $1 and state = $2 returning id`,
			[id, row.state, options.now.toISOString(), user.id, decided.to, options.note, ...(move === 'dispatch' ? [options.officerId] : [])]
		);
		if (updated.length === 0) return { ok: false, reason: 'conflict' };
		if (row.reporter_id && !byReporter) {
			await notifyPanic(tx, rwId, [row.reporter_id], decided.to as 'acknowledged', { officer: officerName || user.name, note: options.note ?? '' }, `/panik/${id}`);
		}
		if (move !== 'cancel') await audit(tx, { rwId, actorId: user.id, action: `panic.${move}`, target: id, detail: { note: options.note } });
		return { ok: true, state: decided.to };
	});
}
