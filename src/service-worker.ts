/// <reference types="@sveltejs/kit" />
/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
import { build, files, version } from '$service-worker';

const sw = self as unknown as ServiceWorkerGlobalScope;
const CACHE = `rukun-shell-${version}`;
const OFFLINE = '/offline';
// The app shell: built JS/CSS, static files, and the offline page.
const SHELL = [...build, ...files, OFFLINE];
const SHELL_SET = new Set(SHELL);

sw.addEventListener('install', (event) => {
	event.waitUntil(
		caches
			.open(CACHE)
			.then((cache) => cache.addAll(SHELL))
			.then(() => sw.skipWaiting())
	);
});

sw.addEventListener('activate', (event) => {
	event.waitUntil(
		caches
			.keys()
			.then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
			.then(() => sw.clients.claim())
	);
});

sw.addEventListener('fetch', (event) => {
	const request = event.request;
	if (request.method !== 'GET') return;
	const url = new URL(request.url);
	if (url.origin !== sw.location.origin) return;

	// Shell assets never change under the same version: cache first.
	if (SHELL_SET.has(url.pathname)) {
		event.respondWith(caches.match(url.pathname).then((hit) => hit ?? fetch(request)));
		return;
	}
	// Pages: always the network (data is personal and live); offline page when it fails.
	if (request.mode === 'navigate') {
		event.respondWith(
			fetch(request).catch(async () => (await caches.match(OFFLINE)) ?? new Response('Offline', { status: 503 }))
		);
	}
});

// Web Push (docs/push.md): the server's payload is JSON { title, body, url, tag, icon }.
interface PushPayload {
	title?: string;
	body?: string;
	url?: string;
	tag?: string;
	icon?: string;
}

/** Only paths of this app are opened from a notification. */
const safePath = (url: unknown) => (typeof url === 'string' && /^\/(?![/\\])/.test(url) ? url : '/notifikasi');

sw.addEventListener('push', (event) => {
	let data: PushPayload = {};
	try {
		data = (event.data?.json() ?? {}) as PushPayload;
	} catch {
		data = { body: event.data?.text() ?? '' };
	}
	event.waitUntil(
		sw.registration.showNotification(data.title || 'Rukun', {
			body: data.body ?? '',
			icon: data.icon ?? '/icons/icon-192.png',
			badge: '/icons/icon-192.png',
			tag: data.tag,
			data: { url: safePath(data.url) }
		})
	);
});

sw.addEventListener('notificationclick', (event) => {
	event.notification.close();
	const url = new URL(safePath((event.notification.data as { url?: string } | null)?.url), sw.location.origin).href;
	event.waitUntil(
		(async () => {
			const windows = await sw.clients.matchAll({ type: 'window', includeUncontrolled: true });
			const open = windows.find((w) => w.url === url) ?? windows.find((w) => new URL(w.url).origin === sw.location.origin);
			if (open) {
				if (open.url !== url) await open.navigate(url).catch(() => null);
				await open.focus();
				return;
			}
			await sw.clients.openWindow(url);
		})()
	);
});

// The push service renewed (or dropped) the subscription: subscribe again with the same
// key and tell the server, which replaces the old endpoint.
sw.addEventListener('pushsubscriptionchange', (event) => {
	const change = event as Event & { oldSubscription?: PushSubscription | null; newSubscription?: PushSubscription | null; waitUntil(p: Promise<unknown>): void };
	change.waitUntil(
		(async () => {
			const key = change.oldSubscription?.options.applicationServerKey;
			const fresh = change.newSubscription ?? (key ? await sw.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }) : null);
			if (!fresh) return;
			await fetch('/notifikasi/langganan', {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ subscription: fresh.toJSON(), replaces: change.oldSubscription?.endpoint })
			});
		})()
	);
});
