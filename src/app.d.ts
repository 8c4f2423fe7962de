import type { SessionUser } from '$lib/server/auth/sessions';
import type { Locale } from '$lib/i18n';

declare global {
	namespace App {
		interface Locals {
			user: SessionUser | null;
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
