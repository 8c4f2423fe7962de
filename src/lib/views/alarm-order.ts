import { SEVERITY_RANK, type AlarmView } from './alerts';

/** The alarm list's order, on the server and in the browser: active first, then by severity (critical first), then the most recent first. */
export function compareAlarms(a: AlarmView, b: AlarmView): number {
	const active = Number(a.clearedAt !== null) - Number(b.clearedAt !== null);
	if (active !== 0) return active;
	const rank = SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity];
	if (rank !== 0) return rank;
	return b.lastSeenAt.localeCompare(a.lastSeenAt);
}
