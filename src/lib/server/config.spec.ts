import { describe, expect, it } from 'vitest';
import { loadConfig } from './config';

describe('MQTT_BATCH_WAIT_MS (the external ingest batch wait)', () => {
	it('waits 10 ms by default, and 0 turns it off', () => {
		expect(loadConfig({}).mqttBatchWaitMs).toBe(10);
		expect(loadConfig({ MQTT_BATCH_WAIT_MS: '0' }).mqttBatchWaitMs).toBe(0);
		expect(loadConfig({ MQTT_BATCH_WAIT_MS: '25' }).mqttBatchWaitMs).toBe(25);
	});

	it.each(['-1', '2.5', 'ten', '1001'])('refuses %s, naming the setting', (value) => {
		expect(() => loadConfig({ MQTT_BATCH_WAIT_MS: value })).toThrow(/MQTT_BATCH_WAIT_MS/);
	});
});
