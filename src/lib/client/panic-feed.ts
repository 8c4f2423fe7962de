import type { MqttClient } from 'mqtt';
import type { IncidentView, PanicAlertMessage } from '$lib/views/alerts';

/**
 * The security post's panic feed (docs/panic.md, "The dashboard"): the RW's incident
 * changes over the broker (`rw/{rw}/alerts/panic/+`, MQTT over WebSocket with the
 * dashboard token the page got), and the open incidents from the database after every
 * (re)connect — subscribe first, then catch up, so nothing falls between. The token is
 * renewed from /security/feed before it expires. Without a WebSocket broker (an external
 * broker) it reads the open incidents every few seconds instead.
 */
export interface PanicFeedAccess {
	wsPath: string;
	rwCode: string;
	token: string;
	expiresAt: number;
}

export interface OpenIncidents {
	incidents: IncidentView[];
	officers: { id: string; name: string; phone: string }[];
	canHandle: boolean;
	escalateS: number;
}

export interface PanicFeedOptions {
	access: PanicFeedAccess | null;
	onIncident: (incident: IncidentView) => void;
	onOpen: (open: OpenIncidents) => void;
	onLive?: (live: boolean) => void;
}

const POLL_MS = 5000;
const RENEW_BEFORE_MS = 60_000;

export function parsePanic(payload: Uint8Array | string): IncidentView | null {
	try {
		const m = JSON.parse(typeof payload === 'string' ? payload : new TextDecoder().decode(payload)) as Partial<PanicAlertMessage>;
		return m.kind === 'panic' && m.incident && typeof m.incident.id === 'string' ? m.incident : null;
	} catch {
		return null;
	}
}

export function startPanicFeed(options: PanicFeedOptions): { stop: () => void; catchUp: () => Promise<void> } {
	let stopped = false;
	let client: MqttClient | null = null;
	let access = options.access;
	const timers: ReturnType<typeof setTimeout>[] = [];

	const catchUp = async () => {
		try {
			const response = await fetch('/security/incidents/open', { headers: { accept: 'application/json' }, cache: 'no-store' });
			if (response.ok && !stopped) options.onOpen((await response.json()) as OpenIncidents);
		} catch {
			/* the next reconnect or poll tries again */
		}
	};

	if (!access) {
		void catchUp();
		timers.push(setInterval(() => void catchUp(), POLL_MS));
		return { stop: () => ((stopped = true), timers.forEach(clearInterval)), catchUp };
	}

	const renew = async () => {
		try {
			const response = await fetch('/security/feed', { headers: { accept: 'application/json' }, cache: 'no-store' });
			const snapshot = response.ok ? ((await response.json()) as { feed: PanicFeedAccess | null }) : null;
			if (snapshot?.feed) {
				access = snapshot.feed;
				if (client) client.options.password = access.token;
			}
		} catch {
			/* tried again at the next interval */
		}
	};
	timers.push(setInterval(() => access && access.expiresAt - Date.now() < RENEW_BEFORE_MS * 2 && void renew(), RENEW_BEFORE_MS));

	const { wsPath, rwCode, token } = access;
	const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${wsPath}`;
	import('mqtt').then(
		({ default: mqtt }) => {
			if (stopped) return;
			const c = mqtt.connect(url, { username: 'dashboard', password: token, protocolVersion: 4, clean: true, reconnectPeriod: 2000, connectTimeout: 10_000, keepalive: 30 });
			client = c;
			c.on('connect', () => {
				c.subscribe(`rw/${rwCode}/alerts/panic/+`, { qos: 1 }, (err) => {
					if (err || stopped) return;
					options.onLive?.(true);
					void catchUp();
				});
			});
			c.on('message', (_topic, payload) => {
				const incident = parsePanic(payload);
				if (incident) options.onIncident(incident);
			});
			const down = () => !stopped && options.onLive?.(false);
			c.on('close', down);
			c.on('offline', down);
			c.on('reconnect', () => access && access.expiresAt - Date.now() < RENEW_BEFORE_MS && void renew());
		},
		() => options.onLive?.(false)
	);
	// Also without the broker for a while, the open incidents stay right.
	timers.push(setInterval(() => void catchUp(), 30_000));
	void catchUp();
	return {
		stop: () => {
			stopped = true;
			timers.forEach(clearInterval);
			client?.end(true);
		},
		catchUp
	};
}
