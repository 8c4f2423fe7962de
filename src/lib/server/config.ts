import { hostname } from 'node:os';
import path from 'node:path';
import { z } from 'zod';

const flag = (fallback: boolean) =>
	z
		.string()
		.optional()
		.transform((v) => (v === undefined || v === '' ? fallback : !['0', 'false', 'no', 'off'].includes(v.toLowerCase())));

const port = (fallback: number) =>
	z
		.string()
		.optional()
		.transform((v) => (v === undefined || v === '' ? fallback : Number(v)))
		.pipe(z.number().int().min(0).max(65535));

/** OpenStreetMap's tiles (their usage policy asks for light use: a LAN tile server suits a 24-hour screen better). */
export const DEFAULT_TILE_URL = 'https://tile.openstreetmap.org/{z}/{x}/{y}.png';

/** Every setting comes from the environment; names are documented in the README. */
const schema = z.object({
	PORT: port(3000),
	HOST: z.string().default('0.0.0.0'),
	ORIGIN: z.string().url().optional(),
	DATA_DIR: z.string().default('./data'),
	MQTT_PORT: port(1883),
	MQTT_HOST: z.string().default('0.0.0.0'),
	MQTT_ALLOW_ANONYMOUS: flag(false),
	DATABASE_URL: z.string().url().optional(),
	SEED_DEMO: z.string().optional(),
	DEMO_PASSWORD: z.string().min(8).default('rukun-demo'),
	SESSION_DAYS: z.coerce.number().int().min(1).max(365).default(30),
	SESSION_CACHE_SECONDS: z.coerce.number().int().min(0).max(300).default(10),
	RUKUN_DATA_KEY: z.string().optional(),
	READING_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
	// Flood alarms: how long a better condition must hold before an alarm lowers or clears.
	ALARM_HOLD_S: z.coerce.number().int().min(1).max(86_400).default(300),
	MQTT_URL: z.string().url().optional(),
	MQTT_USERNAME: z.string().optional(),
	MQTT_PASSWORD: z.string().optional(),
	MQTT_CLIENT_ID: z.string().max(128).optional(),
	MQTT_SESSION_EXPIRY_SECONDS: z.coerce.number().int().min(0).max(4_294_967_295).default(3600),
	MQTT_RECEIVE_MAXIMUM: z.coerce.number().int().min(1).max(65535).default(5000),
	MQTT_BATCH_WAIT_MS: z.coerce.number().int().min(0).max(1000).default(10),
	// A scraper's shared secret: long enough that guessing it is hopeless.
	METRICS_TOKEN: z.string().min(32, 'at least 32 characters').optional().or(z.literal('')),
	// Map tiles of the security post's map: an http(s) URL template with {z}, {x} and {y}.
	MAP_TILE_URL: z
		.string()
		.optional()
		.transform((v) => v || DEFAULT_TILE_URL)
		.pipe(z.string().regex(/^https?:\/\/[^/\s]+\/\S*\{z\}\S*\{x\}\S*\{y\}/, 'an http(s) URL with {z}, {x} and {y}')),
	// Web Push (docs/push.md): the VAPID key pair (URL-safe base64) and the operator's contact.
	VAPID_PUBLIC_KEY: z.string().regex(/^[A-Za-z0-9_-]{80,100}$/, 'URL-safe base64 of a P-256 public key').optional().or(z.literal('')),
	VAPID_PRIVATE_KEY: z.string().regex(/^[A-Za-z0-9_-]{40,50}$/, 'URL-safe base64 of a P-256 private key').optional().or(z.literal('')),
	VAPID_SUBJECT: z.string().regex(/^(mailto:\S+@\S+|https:\/\/\S+)$/, 'a mailto: or https: URL').optional().or(z.literal('')),
	// Panic incidents: seconds without acknowledgement before one escalates.
	PANIC_ESCALATE_S: z.coerce.number().int().min(5).max(3600).default(60)
});

export interface Config {
	port: number;
	host: string;
	origin: string | undefined;
	dataDir: string;
	mqttPort: number;
	mqttHost: string;
	mqttAllowAnonymous: boolean;
	databaseUrl: string | undefined;
	seedDemo: boolean;
	demoPassword: string;
	sessionDays: number;
	/** How long a verified session is reused without reading it again (0: every request reads it). */
	sessionCacheSeconds: number;
	/** Base64 master key for NIK/KK encryption; else DATA_DIR/keys/pii.key. */
	dataKey: string | undefined;
	/** Raw sensor readings older than this are pruned; rollups stay. */
	readingRetentionDays: number;
	/** Seconds a better condition must hold before a flood, rate-of-rise or battery alarm lowers or clears. */
	alarmHoldSeconds: number;
	/** External broker (embedded aedes is not started); credentials of the app's own MQTT user. */
	mqttUrl: string | undefined;
	mqttUsername: string | undefined;
	mqttPassword: string | undefined;
	/** The app's client id on the external broker: stable across restarts of one instance. */
	mqttClientId: string;
	/** How long the external broker keeps this instance's session while it is away. */
	mqttSessionExpirySeconds: number;
	/** QoS 1 messages the external broker may have in flight to this instance. */
	mqttReceiveMaximum: number;
	/** External broker: how long a small batch of readings waits to grow before it is stored (0: never). */
	mqttBatchWaitMs: number;
	/** Bearer token that opens /metrics to a scraper (else only RW admins' sessions). */
	metricsToken: string | undefined;
	/** Tile URL template of the security post's map (default OpenStreetMap). */
	mapTileUrl: string;
	/** Web Push: VAPID keys (else generated, docs/push.md) and the contact sent to push services. */
	vapidPublicKey: string | undefined;
	vapidPrivateKey: string | undefined;
	vapidSubject: string | undefined;
	/** Seconds a panic incident may wait for acknowledgement before it escalates. */
	panicEscalateS: number;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
	const parsed = schema.safeParse(env);
	if (!parsed.success) {
		const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
		throw new Error(`Invalid configuration: ${problems}`);
	}
	const e = parsed.data;
	return {
		port: e.PORT,
		host: e.HOST,
		origin: e.ORIGIN,
		dataDir: path.resolve(e.DATA_DIR),
		mqttPort: e.MQTT_PORT,
		mqttHost: e.MQTT_HOST,
		mqttAllowAnonymous: e.MQTT_ALLOW_ANONYMOUS,
		databaseUrl: e.DATABASE_URL,
		// The demo RW is seeded by default on the embedded database only.
		seedDemo: e.SEED_DEMO === undefined || e.SEED_DEMO === '' ? !e.DATABASE_URL : e.SEED_DEMO !== '0',
		demoPassword: e.DEMO_PASSWORD,
		sessionDays: e.SESSION_DAYS,
		sessionCacheSeconds: e.SESSION_CACHE_SECONDS,
		dataKey: e.RUKUN_DATA_KEY || undefined,
		readingRetentionDays: e.READING_RETENTION_DAYS,
		alarmHoldSeconds: e.ALARM_HOLD_S,
		mqttUrl: e.MQTT_URL || undefined,
		mqttUsername: e.MQTT_USERNAME || undefined,
		mqttPassword: e.MQTT_PASSWORD || undefined,
		// One MQTT user per instance (README): its name is a stable id by default, and
		// Mosquitto's use_username_as_clientid makes it the client id anyway.
		mqttClientId: e.MQTT_CLIENT_ID || (e.MQTT_USERNAME ? e.MQTT_USERNAME : `rukun-${hostname()}`),
		mqttSessionExpirySeconds: e.MQTT_SESSION_EXPIRY_SECONDS,
		mqttReceiveMaximum: e.MQTT_RECEIVE_MAXIMUM,
		mqttBatchWaitMs: e.MQTT_BATCH_WAIT_MS,
		metricsToken: e.METRICS_TOKEN || undefined,
		mapTileUrl: e.MAP_TILE_URL,
		vapidPublicKey: e.VAPID_PUBLIC_KEY || undefined,
		vapidPrivateKey: e.VAPID_PRIVATE_KEY || undefined,
		vapidSubject: e.VAPID_SUBJECT || undefined,
		panicEscalateS: e.PANIC_ESCALATE_S
	};
}
