import { describe, expect, it } from 'vitest';
import { allowed, backoffSeconds, categoryOf, DEFAULT_PREFERENCES, deliveryOptions, topicFor } from './push';

describe('push policy per kind', () => {
	it('maps kind prefixes to the preference that governs them', () => {
		expect(['panic.raised', 'flood.raised', 'letter.issued', 'complaint.answered', 'dues.reminder', 'announcement.posted', 'other.x'].map(categoryOf)).toEqual([
			'panic', 'flood', 'letters', 'letters', 'dues', 'announcements', null
		]);
		expect(allowed({ ...DEFAULT_PREFERENCES, dues: false }, 'dues.receipt')).toBe(false);
		expect(allowed(DEFAULT_PREFERENCES, 'other.x')).toBe(false);
		// New complaints in a followed area have their own switch; the complaint's status stays with letters.
		expect(['complaint.area_new', 'complaint.area_many', 'complaint.selesai'].map(categoryOf)).toEqual(['area', 'area', 'letters']);
		expect(allowed({ ...DEFAULT_PREFERENCES, area: false }, 'complaint.area_many')).toBe(false);
		expect(allowed({ ...DEFAULT_PREFERENCES, area: false }, 'complaint.selesai')).toBe(true);
	});
	it('panic and flood are urgent and short-lived; floods collapse per sensor', () => {
		expect(deliveryOptions('panic.escalated', {})).toEqual({ urgency: 'high', ttl: 300 });
		expect(deliveryOptions('flood.raised', { device: 'rw012-wl-01' })).toEqual({ urgency: 'high', ttl: 900, topic: 'flood-rw012-wl-01' });
		expect(deliveryOptions('letter.issued', {})).toEqual({ urgency: 'normal', ttl: 86400 });
	});
	it('keeps topics URL-safe and at most 32 characters, distinct for long ids', () => {
		const a = topicFor('flood-a-very-long-sensor-identifier-number-1');
		const b = topicFor('flood-a-very-long-sensor-identifier-number-2');
		expect(a).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
		expect(a).not.toBe(b);
		expect(topicFor('flood-x.y')).toBe('flood-x_y');
	});
	it('backs off 5, 20, 80, 320 s with at most 20% jitter', () => {
		expect([1, 2, 3, 4].map((a) => backoffSeconds(a))).toEqual([5, 20, 80, 320]);
		expect(backoffSeconds(1, 1)).toBe(6);
	});
});
