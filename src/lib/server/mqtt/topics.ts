/**
 * The MQTT topics: the one place they are spelled (docs/architecture.md, "The realtime
 * path"; the table is in the README, "Devices and MQTT"). The ACL, the ingest, the
 * external-broker subscriptions and the Mosquitto ACL file build and read topics here.
 * The simulator keeps its own copy (firmware-sim/lib/topics.ts): it imports nothing
 * from src. Pass `ANY` ('+') for a segment to get a subscription filter.
 */

/** A single-level wildcard, for filters (`rw/+/sensor/+/level`). */
export const ANY = '+';

export const topics = {
	/** Sensor → server, QoS 1: `{"distance_cm"|"level_cm", "ts", "bat", "seq", "boot"}`. */
	sensorLevel: (rw: string, device: string) => `rw/${rw}/sensor/${device}/level`,
	/** Panic button → server, QoS 1: `{"ts", "seq", "boot"}`. */
	panic: (rw: string, device: string) => `rw/${rw}/panic/${device}`,
	/** Device (LWT, retained): `online` / `offline`. */
	status: (rw: string, device: string) => `rw/${rw}/device/${device}/status`,
	/** Pump controller → server: `{"on", "ts", "seq", "boot"}`. */
	pumpState: (rw: string, device: string) => `rw/${rw}/pump/${device}/state`,
	/** Server → pump: `{"on", "by"}`. */
	pumpCmd: (rw: string, device: string) => `rw/${rw}/pump/${device}/cmd`,
	/** Server → dashboards: alarm and incident changes, under this prefix. */
	alerts: (rw: string) => `rw/${rw}/alerts`,
	/** One alert message (src/lib/views/alerts.ts): `alarm/{id}`, `level/{device}`, `pump/{device}`, `panic/{incident}`. */
	alert: (rw: string, kind: 'alarm' | 'level' | 'pump' | 'panic', id: string) => `rw/${rw}/alerts/${kind}/${id}`,
	/** Every alert of an RW (a dashboard's subscription). */
	allAlerts: (rw: string) => `rw/${rw}/alerts/#`
} as const;

/** The topics the server ingests (what devices publish), as filters over every RW and device. */
export const INGEST_FILTERS: readonly string[] = [
	topics.sensorLevel(ANY, ANY),
	topics.panic(ANY, ANY),
	topics.status(ANY, ANY),
	topics.pumpState(ANY, ANY)
];

/** An MQTT 5 shared subscription: the instances of `group` split the messages of `filter`. */
export const shared = (group: string, filter: string) => `$share/${group}/${filter}`;

export type TopicFamily = 'sensor_level' | 'panic' | 'status' | 'pump_state' | 'pump_cmd' | 'alerts';

export interface TopicRoute {
	rwCode: string;
	family: TopicFamily;
	deviceId: string | null;
}

const SEGMENT = /^[A-Za-z0-9-]{1,40}$/;

/** `rw/{rw}/sensor/{id}/level` and friends → what it is; null for anything else. */
export function parseTopic(topic: string): TopicRoute | null {
	const parts = topic.split('/');
	if (parts[0] !== 'rw' || !parts[1] || !SEGMENT.test(parts[1])) return null;
	const rwCode = parts[1];
	const [, , family, id, leaf, ...extra] = parts;
	if (family === 'alerts') return parts.length >= 4 ? { rwCode, family: 'alerts', deviceId: null } : null;
	if (!id || !SEGMENT.test(id)) return null;
	if (family === 'sensor' && leaf === 'level' && extra.length === 0) return { rwCode, family: 'sensor_level', deviceId: id };
	if (family === 'panic' && leaf === undefined) return { rwCode, family: 'panic', deviceId: id };
	if (family === 'device' && leaf === 'status' && extra.length === 0) return { rwCode, family: 'status', deviceId: id };
	if (family === 'pump' && leaf === 'state' && extra.length === 0) return { rwCode, family: 'pump_state', deviceId: id };
	if (family === 'pump' && leaf === 'cmd' && extra.length === 0) return { rwCode, family: 'pump_cmd', deviceId: id };
	return null;
}
