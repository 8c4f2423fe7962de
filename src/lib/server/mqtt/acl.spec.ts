import { describe, expect, it } from 'vitest';
import { canPublish, canSubscribe, type Principal } from './acl';
import { INGEST_FILTERS, parseTopic, shared, topics } from './topics';

const sensor: Principal = { kind: 'device', deviceId: 'rw012-wl-01', deviceKind: 'sensor', rwCode: 'RW012', rwId: 'x' };
const pump: Principal = { kind: 'device', deviceId: 'rw012-pump-01', deviceKind: 'pump', rwCode: 'RW012', rwId: 'x' };
const dashboard: Principal = { kind: 'dashboard', userId: 'u', rwCode: 'RW012', rwId: 'x' };

describe('parseTopic', () => {
	it('knows the topic plan', () => {
		expect(parseTopic('rw/RW012/sensor/rw012-wl-01/level')).toEqual({ rwCode: 'RW012', family: 'sensor_level', deviceId: 'rw012-wl-01' });
		expect(parseTopic('rw/RW012/panic/pb-1')).toMatchObject({ family: 'panic', deviceId: 'pb-1' });
		expect(parseTopic('rw/RW012/device/pb-1/status')).toMatchObject({ family: 'status' });
		expect(parseTopic('rw/RW012/pump/p1/cmd')).toMatchObject({ family: 'pump_cmd' });
		expect(parseTopic('rw/RW012/alerts/flood')).toMatchObject({ family: 'alerts' });
	});

	it.each(['rw/RW012/sensor/x/level/extra', 'rw//sensor/x/level', 'foo/bar', 'rw/RW012/sensor/../level', 'rw/RW012/panic/a b'])(
		'rejects %j',
		(topic) => {
			expect(parseTopic(topic)).toBeNull();
		}
	);
});

describe('canPublish', () => {
	it('lets a device publish only its own topics in its own RW', () => {
		expect(canPublish(sensor, 'rw/RW012/sensor/rw012-wl-01/level').allow).toBe(true);
		expect(canPublish(sensor, 'rw/RW012/device/rw012-wl-01/status').allow).toBe(true);
		expect(canPublish(sensor, 'rw/RW012/sensor/rw012-wl-02/level')).toEqual({ allow: false, reason: 'forbidden_topic' });
		expect(canPublish(sensor, 'rw/RW013/sensor/rw012-wl-01/level')).toEqual({ allow: false, reason: 'forbidden_topic' });
		expect(canPublish(sensor, 'rw/RW012/panic/rw012-wl-01')).toEqual({ allow: false, reason: 'forbidden_topic' });
		expect(canPublish(sensor, 'rw/RW012/alerts/x')).toEqual({ allow: false, reason: 'forbidden_topic' });
		expect(canPublish(sensor, '$SYS/broker/x')).toEqual({ allow: false, reason: 'reserved_topic' });
		expect(canPublish(sensor, 'random/topic')).toEqual({ allow: false, reason: 'unknown_topic' });
		expect(canPublish(pump, 'rw/RW012/pump/rw012-pump-01/cmd')).toEqual({ allow: false, reason: 'forbidden_topic' });
		expect(canPublish(pump, 'rw/RW012/pump/rw012-pump-01/state').allow).toBe(true);
	});

	it('never lets a dashboard publish', () => {
		expect(canPublish(dashboard, 'rw/RW012/alerts/flood').allow).toBe(false);
	});
});

describe('canSubscribe', () => {
	it('gives a pump its own commands and sensors nothing', () => {
		expect(canSubscribe(pump, 'rw/RW012/pump/rw012-pump-01/cmd')).toBe(true);
		expect(canSubscribe(pump, 'rw/RW012/pump/+/cmd')).toBe(false);
		expect(canSubscribe(sensor, 'rw/RW012/#')).toBe(false);
	});

	it('gives a dashboard its RW’s alerts only', () => {
		expect(canSubscribe(dashboard, 'rw/RW012/alerts/#')).toBe(true);
		expect(canSubscribe(dashboard, 'rw/RW012/alerts/flood/+')).toBe(true);
		expect(canSubscribe(dashboard, 'rw/+/alerts/#')).toBe(false);
		expect(canSubscribe(dashboard, 'rw/RW013/alerts/#')).toBe(false);
		expect(canSubscribe(dashboard, 'rw/RW012/#')).toBe(false);
		expect(canSubscribe(dashboard, '$SYS/#')).toBe(false);
	});
});

describe('topics', () => {
	it('builds what parseTopic reads back, for every family a device publishes', () => {
		expect(parseTopic(topics.sensorLevel('RW012', 'wl-1'))).toEqual({ rwCode: 'RW012', family: 'sensor_level', deviceId: 'wl-1' });
		expect(parseTopic(topics.panic('RW012', 'pb-1'))).toEqual({ rwCode: 'RW012', family: 'panic', deviceId: 'pb-1' });
		expect(parseTopic(topics.status('RW012', 'pb-1'))).toEqual({ rwCode: 'RW012', family: 'status', deviceId: 'pb-1' });
		expect(parseTopic(topics.pumpState('RW012', 'p1'))).toEqual({ rwCode: 'RW012', family: 'pump_state', deviceId: 'p1' });
		expect(parseTopic(topics.pumpCmd('RW012', 'p1'))).toEqual({ rwCode: 'RW012', family: 'pump_cmd', deviceId: 'p1' });
	});
	it('gives the ingest filters and their shared form for an external broker', () => {
		expect(INGEST_FILTERS).toEqual(['rw/+/sensor/+/level', 'rw/+/panic/+', 'rw/+/device/+/status', 'rw/+/pump/+/state']);
		expect(shared('rukun', INGEST_FILTERS[0]!)).toBe('$share/rukun/rw/+/sensor/+/level');
	});
});
