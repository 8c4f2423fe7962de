import { describe, expect, it } from 'vitest';
import type { DeviceRow } from '$lib/views/devices';
import { markerLook } from './marker';

const device = (over: Partial<DeviceRow> = {}): DeviceRow => ({
	id: 'wl-1', kind: 'sensor', name: 'Kali', rt_number: 1, lat: -6.2, lng: 106.8, report_interval_s: 60, mounting_height_cm: 300,
	siaga3_cm: 100, siaga2_cm: 150, siaga1_cm: 200, status: 'online', last_seen_at: null, battery_v: null, disabled_at: null,
	last_level_cm: null, missed_readings: 0, missed_since: null, ...over
});

describe('map markers', () => {
	it('say the Siaga level in text, not colour alone, from the live level first', () => {
		expect(markerLook(device(), undefined).text).toBe('?');
		expect(markerLook(device({ last_level_cm: 50 }), undefined).text).toBe('N');
		expect(markerLook(device({ last_level_cm: 120 }), undefined)).toEqual({ text: '3', className: 'pin siaga-3' });
		expect(markerLook(device({ last_level_cm: 120 }), { deviceId: 'wl-1', levelCm: 210, siaga: null, risePer10Min: null, at: '' }).text).toBe('1');
		expect(markerLook(device({ status: 'offline', last_level_cm: 160 }), undefined).text).toBe('2✕');
	});

	it('show panic buttons and pumps by health', () => {
		expect(markerLook(device({ kind: 'panic', status: 'online' }), undefined)).toEqual({ text: 'P', className: 'pin health up' });
		expect(markerLook(device({ kind: 'pump', status: 'offline' }), undefined)).toEqual({ text: 'M✕', className: 'pin health down' });
	});
});
