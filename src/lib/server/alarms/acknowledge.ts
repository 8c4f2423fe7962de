import { may } from '$lib/domain/permissions';
import type { AlarmView, AlertMessage } from '$lib/views/alerts';
import type { AcknowledgeInput } from '$lib/schemas/alarms';
import { withUser, type Database } from '../db';
import type { SessionUser } from '../auth/sessions';
import { audit } from '../audit';
import { topics } from '../mqtt/topics';
import { getAlarm } from './queries';

export type AcknowledgeResult = { ok: true; alarm: AlarmView } | { ok: false; reason: 'forbidden' | 'not_found' | 'already' };

/** Sends a server message to the broker (runtime.broker.publish). */
export type Publish = (topic: string, payload: string) => Promise<void>;

/**
 * An officer acknowledges an alarm with a note: the alarm's acknowledgement columns
 * and an 'acknowledged' alarm event in one transaction as the user (RLS: only
 * alarms.acknowledge of the alarm's RW, only an alarm not yet acknowledged), audited;
 * then the alarm as it now stands goes to every dashboard of the RW over the broker.
 * A failed publish loses nothing: the row is stored and dashboards catch up from it.
 */
export async function acknowledgeAlarm(
	db: Database,
	user: SessionUser,
	input: AcknowledgeInput,
	publish: Publish,
	log: (message: string) => void = console.error
): Promise<AcknowledgeResult> {
	if (!user.rwId || !user.rwCode || !may(user, 'alarms.acknowledge')) return { ok: false, reason: 'forbidden' };
	const rwId = user.rwId;
	const done = await withUser(db, { sub: user.id, rw_id: rwId }, async (tx) => {
		const rows = await tx.query<{ severity: string; siaga: number | null }>(
			`update alarm set acknowledged_at = now(), acknowledged_by = $3, ack_note = $4
			  where id = $1::uuid and rw_id = $2 and acknowledged_at is null returning severity, siaga`,
			[input.alarmId, rwId, user.id, input.note]
		);
		const row = rows[0];
		if (!row) return false;
		await tx.query(
			`insert into alarm_event (alarm_id, rw_id, at, kind, severity, siaga, by_user, note) values ($1::uuid, $2, now(), 'acknowledged', $3, $4, $5, $6)`,
			[input.alarmId, rwId, row.severity, row.siaga, user.id, input.note]
		);
		await audit(tx, { rwId, actorId: user.id, action: 'alarm.acknowledge', target: input.alarmId, detail: { note: input.note } });
		return true;
	});
	const alarm = await getAlarm(db, user, input.alarmId);
	if (!done) return { ok: false, reason: alarm?.acknowledgedAt ? 'already' : 'not_found' };
	if (!alarm) return { ok: false, reason: 'not_found' };
	const message: AlertMessage = { kind: 'alarm', alarm };
	await publish(topics.alert(user.rwCode, 'alarm', alarm.id), JSON.stringify(message)).catch((err: unknown) =>
		log(`alarm ${alarm.id}: acknowledged, but not published (dashboards catch up): ${String(err)}`)
	);
	return { ok: true, alarm };
}
