import type { AlarmView, LevelView } from '$lib/views/alerts';
import type { Database } from '../db';
import type { SessionUser } from '../auth/sessions';
import { mintDashboardToken } from '../mqtt/dashboard-token';
import { latestLevels, listAlarms } from './queries';

/** How long a dashboard's broker token lives; the page fetches a new one a minute before. */
export const DASHBOARD_TOKEN_SECONDS = 600;

/** What a dashboard needs to subscribe to its RW's alerts over /mqtt (null: no WebSocket broker here). */
export interface FeedAccess {
	wsPath: string;
	rwCode: string;
	token: string;
	/** Epoch milliseconds. */
	expiresAt: number;
}

/** The dashboard's state from the database (its catch-up) and a fresh broker token. */
export interface DashboardSnapshot {
	alarms: AlarmView[];
	levels: LevelView[];
	feed: FeedAccess | null;
}

export function feedAccess(user: SessionUser, tokenKey: Buffer, wsPath: string | null): FeedAccess | null {
	if (!wsPath || !user.rwId || !user.rwCode) return null;
	return {
		wsPath,
		rwCode: user.rwCode,
		token: mintDashboardToken(tokenKey, { userId: user.id, rwCode: user.rwCode, rwId: user.rwId }, DASHBOARD_TOKEN_SECONDS),
		expiresAt: Date.now() + DASHBOARD_TOKEN_SECONDS * 1000
	};
}

export async function dashboardSnapshot(db: Database, user: SessionUser, tokenKey: Buffer, wsPath: string | null): Promise<DashboardSnapshot> {
	const [alarms, levels] = await Promise.all([listAlarms(db, user), latestLevels(db, user)]);
	return { alarms, levels, feed: feedAccess(user, tokenKey, wsPath) };
}
