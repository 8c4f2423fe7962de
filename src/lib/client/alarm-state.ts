import { compareAlarms } from '$lib/views/alarm-order';
import { SEVERITY_RANK, type AlarmView } from '$lib/views/alerts';

export { compareAlarms };

/**
 * The dashboard's alarm list as messages and catch-ups change it: pure functions, so
 * the rules of "new or worse, and nobody has handled it yet" are tested on their own.
 */

/** Active and not acknowledged: what the banner, title and sound are about. */
export const needsAttention = (a: AlarmView) => a.clearedAt === null && a.acknowledgedAt === null;

/** Whether `next` is new or worse than `prev` (higher severity or a worse Siaga level) and still unhandled. */
export function isNewOrEscalated(prev: AlarmView | undefined, next: AlarmView): boolean {
	if (!needsAttention(next)) return false;
	if (!prev || prev.clearedAt !== null) return true;
	// Handled before, unhandled now: the engine asks for a new acknowledgement (it escalated).
	if (prev.acknowledgedAt !== null) return true;
	if (SEVERITY_RANK[next.severity] < SEVERITY_RANK[prev.severity]) return true;
	return next.siaga !== null && (prev.siaga === null || next.siaga < prev.siaga);
}

/**
 * One alarm message applied to the list: replaces the alarm of that id (never with an
 * older state: a message that arrives after a fresher catch-up is ignored) or adds it.
 */
export function mergeAlarm(list: AlarmView[], next: AlarmView): { list: AlarmView[]; alert: boolean } {
	const prev = list.find((a) => a.id === next.id);
	if (prev && isOlder(next, prev)) return { list, alert: false };
	const rest = list.filter((a) => a.id !== next.id);
	return { list: [...rest, next].sort(compareAlarms), alert: isNewOrEscalated(prev, next) };
}

/** A catch-up from the database replaces the list; the ids that became new or worse meanwhile alert. */
export function replaceAlarms(list: AlarmView[], fresh: AlarmView[]): { list: AlarmView[]; alerted: string[] } {
	const before = new Map(list.map((a) => [a.id, a]));
	return { list: [...fresh].sort(compareAlarms), alerted: fresh.filter((a) => isNewOrEscalated(before.get(a.id), a)).map((a) => a.id) };
}

/**
 * An alarm state known to be behind another of the same alarm: seen earlier, or seen at
 * the same moment without the acknowledgement or clearing the other has (those only
 * add). An escalation is later, so it wins even though it drops the acknowledgement.
 */
function isOlder(next: AlarmView, prev: AlarmView): boolean {
	const a = Date.parse(next.lastSeenAt);
	const b = Date.parse(prev.lastSeenAt);
	if (a !== b) return a < b;
	return (prev.acknowledgedAt !== null && next.acknowledgedAt === null) || (prev.clearedAt !== null && next.clearedAt === null);
}
