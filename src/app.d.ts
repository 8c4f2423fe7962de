import type { SessionUser } from '$lib/server/auth/sessions';
import type { UserDb } from '$lib/server/db/user-db';
import type { Locale } from '$lib/i18n';

declare global {
	namespace App {
		interface Locals {
			user: SessionUser | null;
			/** The database as `user` sees it (RLS); throws when used without a user. */
			db: UserDb;
			locale: Locale;
		}
		interface Error {
			message: string;
			/** i18n key of the message to show. */
			key?: string;
		}
		interface PageData {
			locale: Locale;
		}
	}
}

export {};
