import type { MqttClient } from 'mqtt';
import type { AlarmView, AlertMessage, IncidentView, LevelView, PanicAlertMessage } from '$lib/views/alerts';

/**
 * The security post's live feed: MQTT over WebSocket at /mqtt with a short-lived
 * dashboard token from the session, subscribed to the RW's alerts (the broker is the
 * one real-time bus). After every (re)connect it first subscribes, then catches up
 * from the database, so what happened while it was away is shown and nothing falls
 * between the two. The server closes a connection when its token expires, so a minute
 * before that the feed fetches a new token and reconnects with it at once (subscribe,
 * then catch up again, so nothing sent in between is lost; the indicator stays live).
 * Without a WebSocket at all it falls back to fetching the catch-up every 15 seconds.
 * The same one connection carries the panic incidents (`rw/{rw}/alerts/panic/…`, under
 * the same subscription) to `onPanic`, so a screen holds one broker connection, not one
 * per panel; `onCaughtUp` tells such a panel when to read its own catch-up.
 */

export type FeedStatus = 'connecting' | 'live' | 'offline' | 'polling';

export interface FeedAccess {
	wsPath: string;
	rwCode: string;
	token: string;
	expiresAt: number;
}

export interface Snapshot {
	alarms: AlarmView[];
	levels: LevelView[];
	feed: FeedAccess | null;
}

export interface FeedOptions {
	access: FeedAccess | null;
	/** The catch-up endpoint (JSON Snapshot). */
	snapshotUrl: string;
	onMessage: (message: AlertMessage) => void;
	onSnapshot: (snapshot: Snapshot) => void;
	onStatus: (status: FeedStatus) => void;
	/** A panic incident heard on the feed (docs/panic.md, "The dashboard"). */
	onPanic?: (incident: IncidentView) => void;
	/** After every (re)connect's subscription, and every poll without a WebSocket: time for other panels to catch up too. */
	onCaughtUp?: () => void;
}

const REFRESH_BEFORE_MS = 60_000;
const RETRY_MS = 15_000;
const POLL_MS = 15_000;

/** A panic incident from the broker (PanicAlertMessage), else null. */
export function parsePanic(payload: Uint8Array | string): IncidentView | null {
	try {
		const m = JSON.parse(typeof payload === 'string' ? payload : new TextDecoder().decode(payload)) as Partial<PanicAlertMessage>;
		return m.kind === 'panic' && m.incident && typeof m.incident.id === 'string' ? m.incident : null;
	} catch {
		return null;
	}
}

/** A payload from the broker, if it is one of the shapes of src/lib/views/alerts.ts. */
export function parseAlert(payload: Uint8Array | string): AlertMessage | null {
	try {
		const text = typeof payload === 'string' ? payload : new TextDecoder().decode(payload);
		const m = JSON.parse(text) as Partial<AlertMessage> & Record<string, unknown>;
		if (m.kind === 'alarm' && m.alarm && typeof m.alarm === 'object' && typeof (m.alarm as AlarmView).id === 'string') return m as AlertMessage;
		if (m.kind === 'level' && m.level && typeof m.level === 'object' && typeof (m.level as LevelView).deviceId === 'string') return m as AlertMessage;
		if (m.kind === 'pump' && m.pump && typeof m.pump === 'object') return m as AlertMessage;
		return null;
	} catch {
		return null;
	}
}

export function startAlertsFeed(options: FeedOptions): { stop: () => void; catchUp: () => Promise<void> } {
	let stopped = false;
	let access = options.access;
	let refreshTimer: ReturnType<typeof setTimeout> | undefined;
	let client: MqttClient | null = null;
	/** A planned reconnect with a new token is under way: its close is not an outage. */
	let renewing = false;

	const catchUp = async (): Promise<boolean> => {
		try {
			const response = await fetch(options.snapshotUrl, { headers: { accept: 'application/json' }, cache: 'no-store' });
			if (!response.ok) return false;
			const snapshot = (await response.json()) as Snapshot;
			if (stopped) return true;
			if (snapshot.feed) {
				access = snapshot.feed;
				if (client) client.options.password = access.token;
			}
			options.onSnapshot(snapshot);
			options.onCaughtUp?.();
			return true;
		} catch {
			return false;
		}
	};

	/** Reconnects with the token just fetched, before the server closes the old one's connection. */
	const renew = () => {
		if (stopped || !client?.connected) return;
		renewing = true;
		client.reconnect();
	};

	const scheduleRefresh = () => {
		clearTimeout(refreshTimer);
		if (stopped) return;
		const due = access ? Math.max(5_000, access.expiresAt - Date.now() - REFRESH_BEFORE_MS) : POLL_MS;
		refreshTimer = setTimeout(() => {
			void catchUp().then((ok) => {
				if (ok) {
					renew();
					scheduleRefresh();
				}
				else if (!stopped) refreshTimer = setTimeout(scheduleRefresh, RETRY_MS);
			});
		}, due);
	};

	if (!access) {
		options.onStatus('polling');
		scheduleRefresh();
		return { stop: () => ((stopped = true), clearTimeout(refreshTimer)), catchUp: async () => void (await catchUp()) };
	}

	const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${access.wsPath}`;
	const rwCode = access.rwCode;
	const firstToken = access.token;
	options.onStatus('connecting');

	const connect = (mqtt: typeof import('mqtt').default) => {
		if (stopped) return;
		const c = mqtt.connect(url, { username: 'dashboard', password: firstToken, protocolVersion: 4, clean: true, reconnectPeriod: 3_000, connectTimeout: 10_000, keepalive: 30 });
		client = c;
		c.on('connect', () => {
			renewing = false;
			// Subscribe first, then catch up: a change between the two is in both, never in neither.
			c.subscribe(`rw/${rwCode}/alerts/#`, { qos: 1 }, (err) => {
				if (err || stopped) return;
				void catchUp().then((ok) => {
					if (stopped) return;
					if (!ok) setTimeout(() => void catchUp(), RETRY_MS);
					if (c.connected) options.onStatus('live');
				});
			});
		});
		c.on('message', (topic, payload) => {
			if (topic.startsWith(`rw/${rwCode}/alerts/panic/`)) {
				const incident = parsePanic(payload);
				if (incident) options.onPanic?.(incident);
				return;
			}
			const message = parseAlert(payload);
			if (message) options.onMessage(message);
		});
		const down = () => !stopped && options.onStatus('offline');
		c.on('close', () => {
			if (renewing) renewing = false;
			else down();
		});
		c.on('offline', down);
		c.on('error', down);
		// A token about to expire (the page was asleep): fetch a new one before the next try.
		c.on('reconnect', () => {
			if (access && access.expiresAt - Date.now() < REFRESH_BEFORE_MS) void catchUp();
		});
	};
	// The MQTT client (~100 kB gzipped) loads after the page has drawn.
	import('mqtt').then(({ default: mqtt }) => connect(mqtt), () => options.onStatus('offline'));
	scheduleRefresh();
	return {
		stop: () => {
			stopped = true;
			clearTimeout(refreshTimer);
			client?.end(true);
		},
		catchUp: async () => void (await catchUp())
	};
}
