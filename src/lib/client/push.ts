/**
 * This browser's Web Push subscription (docs/push.md): asks the permission only when
 * the user pressed the button, subscribes with the server's VAPID key and tells the
 * server. The service worker (src/service-worker.ts) shows what arrives.
 */

export type PushState = 'unsupported' | 'denied' | 'off' | 'on';

export function pushSupported(): boolean {
	return typeof window !== 'undefined' && 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

export async function currentState(): Promise<{ state: PushState; endpoint: string | null }> {
	if (!pushSupported()) return { state: 'unsupported', endpoint: null };
	if (Notification.permission === 'denied') return { state: 'denied', endpoint: null };
	const registration = await navigator.serviceWorker.getRegistration();
	const subscription = await registration?.pushManager.getSubscription();
	return subscription ? { state: 'on', endpoint: subscription.endpoint } : { state: 'off', endpoint: null };
}

function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
	const base64 = base64url.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(base64url.length / 4) * 4, '=');
	const raw = atob(base64);
	const bytes = new Uint8Array(new ArrayBuffer(raw.length));
	for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
	return bytes;
}

async function post(method: 'POST' | 'DELETE', body: unknown): Promise<void> {
	const res = await fetch('/notifikasi/langganan', { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
	if (!res.ok) throw new Error(`subscription ${method} ${res.status}`);
}

/** Asks the permission (the browser's prompt), subscribes, saves it on the server. */
export async function enablePush(vapidPublicKey: string): Promise<PushState> {
	const permission = await Notification.requestPermission();
	if (permission !== 'granted') return permission === 'denied' ? 'denied' : 'off';
	const registration = await navigator.serviceWorker.ready;
	const subscription =
		(await registration.pushManager.getSubscription()) ??
		(await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(vapidPublicKey) }));
	await post('POST', { subscription: subscription.toJSON() });
	return 'on';
}

/** Unsubscribes this browser and removes it on the server. */
export async function disablePush(): Promise<void> {
	const registration = await navigator.serviceWorker.getRegistration();
	const subscription = await registration?.pushManager.getSubscription();
	if (!subscription) return;
	await post('DELETE', { endpoint: subscription.endpoint });
	await subscription.unsubscribe();
}
