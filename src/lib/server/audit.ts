import type { Sql, Statement } from './db';

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
	const { text, params } = auditStatement(entry);
	await db.query(text, params);
}

/** `audit` as a statement, for a write sent as one batch (`batchAsUser`). */
export function auditStatement(entry: AuditEntry): Statement & { params: unknown[] } {
	return {
		text: `insert into audit_log (rw_id, actor_id, action, target, detail, ip) values ($1, $2, $3, $4, $5::text::jsonb, $6)`,
		params: [entry.rwId, entry.actorId, entry.action, entry.target ?? '', JSON.stringify(entry.detail ?? {}), entry.ip ?? '']
	};
}
