import type { Sql } from './db';

export interface AuditEntry {
	rwId: string | null;
	actorId: string | null;
	action: string;
	target?: string;
	detail?: Record<string, unknown>;
	ip?: string;
}

/** Appends to the audit log: who did what, to what, when (UU 27/2022 accountability). */
export async function audit(db: Sql, entry: AuditEntry): Promise<void> {
	await db.query(
		`insert into audit_log (rw_id, actor_id, action, target, detail, ip) values ($1, $2, $3, $4, $5::text::jsonb, $6)`,
		[entry.rwId, entry.actorId, entry.action, entry.target ?? '', JSON.stringify(entry.detail ?? {}), entry.ip ?? '']
	);
}
