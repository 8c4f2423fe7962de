import { json } from '@sveltejs/kit';
import type { MessageKey } from '$lib/i18n/id';

/** A refusal of the panic API (JSON): an i18n key, field errors, and a status the phone understands. */
export function refuseJson(status: number, message: MessageKey, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
	return json({ ok: false, message, ...extra }, { status, headers: { 'cache-control': 'no-store', ...headers } });
}

/** The body as JSON, or null when it is not (a clear 400, never a 500). */
export async function readJson(request: Request): Promise<unknown> {
	if (!(request.headers.get('content-type') ?? '').toLowerCase().startsWith('application/json')) return null;
	return request.json().catch(() => null);
}
