/**
 * Who may publish and subscribe to what on the broker: the one rule table
 * (docs/architecture.md, "The realtime path"). The aedes hooks ask these functions and nothing else.
 */
import type { DeviceKind } from '$lib/views/devices';
import { parseTopic, topics, type TopicFamily, type TopicRoute } from './topics';

export type { DeviceKind };

export type Principal =
	| { kind: 'device'; deviceId: string; deviceKind: DeviceKind; rwCode: string; rwId: string }
	/** `expiresAt` (ms): the token's expiry; the broker closes the connection then. */
	| { kind: 'dashboard'; userId: string; rwCode: string; rwId: string; expiresAt?: number }
	/** Only with MQTT_ALLOW_ANONYMOUS=1 (development). */
	| { kind: 'anonymous' };

/** What each kind of device publishes (besides its own status/LWT). */
const DEVICE_PUBLISHES: Record<DeviceKind, TopicFamily> = {
	sensor: 'sensor_level',
	panic: 'panic',
	pump: 'pump_state'
};

export type PublishDecision =
	| { allow: true; route: TopicRoute | null }
	| { allow: false; reason: 'forbidden_topic' | 'unknown_topic' | 'reserved_topic' };

export function canPublish(principal: Principal, topic: string): PublishDecision {
	// [MQTT-4.7.2-1] $-topics are the server's; clients never publish there.
	if (topic.startsWith('$')) return { allow: false, reason: 'reserved_topic' };
	const route = parseTopic(topic);
	if (principal.kind === 'anonymous') return { allow: true, route };
	if (principal.kind === 'dashboard') return { allow: false, reason: 'forbidden_topic' };
	if (!route) return { allow: false, reason: 'unknown_topic' };
	const own = route.rwCode === principal.rwCode && route.deviceId === principal.deviceId;
	const family = route.family === 'status' || route.family === DEVICE_PUBLISHES[principal.deviceKind];
	return own && family ? { allow: true, route } : { allow: false, reason: 'forbidden_topic' };
}

/** A device may subscribe only to its own command topic; a dashboard only to its RW's alerts. */
export function canSubscribe(principal: Principal, filter: string): boolean {
	if (filter.startsWith('$')) return false;
	if (principal.kind === 'anonymous') return true;
	if (principal.kind === 'device') {
		return principal.deviceKind === 'pump' && filter === topics.pumpCmd(principal.rwCode, principal.deviceId);
	}
	const prefix = topics.alerts(principal.rwCode);
	if (filter !== `${prefix}/#` && !filter.startsWith(`${prefix}/`)) return false;
	// No wildcard may widen it beyond this RW's alerts.
	return !filter.slice(prefix.length).includes('#') || filter === `${prefix}/#`;
}
