import { error, json } from '@sveltejs/kit';
import { translate } from '$lib/i18n';
import { subscribe, subscriptionInput, unsubscribe } from '$lib/server/push/subscriptions';
import type { RequestHandler } from './$types';

/**
 * This browser's push subscription, posted as JSON by the settings page and by the
 * service worker when the push service renews it (`replaces`: the old endpoint).
 * Same origin only: JSON is not a form type, so SvelteKit's own check does not apply.
 */
function sameOrigin(request: Request, url: URL): void {
	if (request.headers.get('origin') !== url.origin) error(403, 'cross-origin');
}

export const POST: RequestHandler = async ({ request, url, locals }) => {
	sameOrigin(request, url);
	const body = (await request.json().catch(() => null)) as { subscription?: unknown; replaces?: unknown } | null;
	const parsed = subscriptionInput.safeParse(body?.subscription);
	if (!parsed.success) return json({ error: translate(locals.locale, 'errors.push_subscription') }, { status: 400 });
	const replaces = typeof body?.replaces === 'string' ? body.replaces : undefined;
	const id = await locals.db.run(subscribe, parsed.data, request.headers.get('user-agent') ?? '', replaces);
	return json({ id }, { status: 201 });
};

export const DELETE: RequestHandler = async ({ request, url, locals }) => {
	sameOrigin(request, url);
	const body = (await request.json().catch(() => null)) as { endpoint?: unknown } | null;
	if (typeof body?.endpoint !== 'string') return json({ error: translate(locals.locale, 'errors.push_subscription') }, { status: 400 });
	const removed = await locals.db.run(unsubscribe, { endpoint: body.endpoint });
	return json({ removed });
};
