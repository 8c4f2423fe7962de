import { queryAsUser, type Database } from '../db';
import type { SessionUser } from '../auth/sessions';

export interface OfficerOption {
	id: string;
	name: string;
	phone: string;
}

/** The RW's security officers (the dispatch list), for those who handle incidents (the database checks it). */
export function listOfficers(db: Database, user: SessionUser): Promise<OfficerOption[]> {
	if (!user.rwId) return Promise.resolve([]);
	return queryAsUser<OfficerOption>(db, { sub: user.id, rw_id: user.rwId }, 'select id, name, phone from app.panic_officers($1)', [user.rwId]);
}
