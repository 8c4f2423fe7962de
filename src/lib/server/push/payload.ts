import { categoryOf, clip, PAYLOAD_LIMIT_BYTES, type PushPayload } from '$lib/domain/push';
import { translate, type Locale } from '$lib/i18n';
import type { DueNotification } from './outbox';

export const PUSH_ICON = '/icons/icon-192.png';

/**
 * What the device shows, in the reader's language: the title names the category
 * (`push.title.<category>`), the body is the in-app text (`notify.<kind>`). The tag
 * makes a newer push replace an older one on the device: per sensor for floods, per
 * notification otherwise. Kept under 3 KB (the push service's limit is 4 KB with
 * the encryption's overhead).
 */
export function buildPayload(n: DueNotification, locale: Locale): string {
	const category = categoryOf(n.kind) ?? 'announcements';
	const device = typeof n.params.device === 'string' ? n.params.device : null;
	const payload: PushPayload = {
		title: clip(translate(locale, `push.title.${category}`), 80),
		body: clip(translate(locale, `notify.${n.kind}`, n.params), 600),
		url: n.link || '/notifikasi',
		tag: category === 'flood' && device ? `flood-${device}` : `n-${n.id}`,
		icon: PUSH_ICON
	};
	let text = JSON.stringify(payload);
	// Multi-byte text can still pass the limit: shorten the body until it fits.
	while (Buffer.byteLength(text) > PAYLOAD_LIMIT_BYTES && payload.body.length > 20) {
		payload.body = clip(payload.body, Math.floor(payload.body.length * 0.8));
		text = JSON.stringify(payload);
	}
	return text;
}
