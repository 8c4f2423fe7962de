import { describe, expect, it } from 'vitest';
import {
	categoryName,
	checkCategory,
	checkEdit,
	checkReason,
	boxAround,
	checkReport,
	checkStatusChange,
	distanceM,
	mayReopen,
	nearbyDuplicates,
	outsideArea,
	slaLevel,
	staffMayMove,
	type DuplicateCandidate
} from './complaints';

const T0 = new Date('2026-12-01T03:00:00Z');
const DAY = 86_400_000;
// A point in Jakarta; 0.0001° of latitude is ~11.1 m.
const here = { lat: -6.2, lng: 106.8 };
const north = (m: number) => ({ lat: here.lat + m / 111_195, lng: here.lng });

describe('distance', () => {
	it('is the haversine distance in metres', () => {
		expect(distanceM(here, north(50))).toBeCloseTo(50, 0);
		expect(distanceM(here, { lat: -6.2, lng: 106.81 })).toBeCloseTo(1105.5, -1);
	});
	it('a box around a point holds every point in the radius', () => {
		const box = boxAround(here, 50);
		const east = { lat: here.lat, lng: here.lng + (50 / 111_195) / Math.cos((here.lat * Math.PI) / 180) * 0.999 };
		expect(east.lng).toBeLessThan(box.maxLng);
		expect(north(49.9).lat).toBeLessThan(box.maxLat);
	});
});

describe('duplicates', () => {
	const c = (id: string, p: { lat: number; lng: number }, over: Partial<DuplicateCandidate> = {}): DuplicateCandidate => ({ id, categoryId: 'drain', status: 'baru', ...p, ...over });
	it('are open reports of the same category within 50 m, nearest first', () => {
		const found = nearbyDuplicates(here, 'drain', [
			c('far', north(51)),
			c('near', north(10)),
			c('edge', north(49)),
			c('other-category', north(5), { categoryId: 'light' }),
			c('fixed', north(5), { status: 'selesai' }),
			c('closed', north(5), { status: 'ditutup' }),
			c('working', north(20), { status: 'dikerjakan' })
		]);
		expect(found.map((f) => f.id)).toEqual(['near', 'working', 'edge']);
	});
});

describe('status transitions', () => {
	it('go forward to a fix or to closed, and only back one step', () => {
		expect(staffMayMove('baru', 'diterima')).toBe(true);
		expect(staffMayMove('dikerjakan', 'selesai')).toBe(true);
		expect(staffMayMove('diterima', 'ditutup')).toBe(true);
		expect(staffMayMove('selesai', 'baru')).toBe(false);
		expect(staffMayMove('selesai', 'ditutup')).toBe(false);
		expect(staffMayMove('ditutup', 'selesai')).toBe(false);
		expect(staffMayMove('baru', 'baru')).toBe(false);
	});
	it('closing needs a reason; not ours needs the office link, duplicate the original', () => {
		expect(checkStatusChange('baru', { to: 'ditutup', note: '' })).toMatchObject({ ok: false, errors: { closed_reason: 'complaints.error.closed_reason' } });
		expect(checkStatusChange('baru', { to: 'ditutup', note: '', closedReason: 'not_ours', forwardUrl: 'javascript:alert(1)' })).toMatchObject({
			ok: false,
			errors: { forward_url: 'complaints.error.forward_url' }
		});
		expect(checkStatusChange('baru', { to: 'ditutup', note: 'PLN', closedReason: 'not_ours', forwardUrl: 'https://pln.co.id/lapor' })).toMatchObject({
			ok: true,
			value: { closedReason: 'not_ours', forwardUrl: 'https://pln.co.id/lapor' }
		});
		expect(checkStatusChange('selesai', { to: 'baru', note: '' })).toMatchObject({ ok: false, errors: { to: 'complaints.error.move' } });
	});
});

describe('reopen window', () => {
	it('is 14 days after selesai, and only for selesai', () => {
		const finished = T0;
		expect(mayReopen('selesai', finished, new Date(T0.getTime() + 14 * DAY))).toBe(true);
		expect(mayReopen('selesai', finished, new Date(T0.getTime() + 14 * DAY + 1))).toBe(false);
		expect(mayReopen('ditutup', finished, new Date(T0.getTime() + DAY))).toBe(false);
		expect(mayReopen('dikerjakan', null, T0)).toBe(false);
	});
});

describe('a report', () => {
	const ok = { categoryId: 'drain', title: 'Got mampet', description: 'Air meluap', lat: '-6.2', lng: '106.8' };
	it('needs a category of the RW, a title, a description and a pin', () => {
		expect(checkReport(ok, ['drain'])).toMatchObject({ ok: true, value: { lat: -6.2, lng: 106.8 } });
		expect(checkReport({ ...ok, lat: '', lng: '' }, ['drain'])).toMatchObject({ ok: false, errors: { lat: 'complaints.error.pin' } });
		expect(checkReport({ ...ok, categoryId: 'x', title: 'ab', description: ' ' }, ['drain'])).toMatchObject({
			ok: false,
			errors: { category: 'complaints.error.category', title: 'complaints.error.title', description: 'complaints.error.description' }
		});
	});
	it('is outside the RW when no mapped house is within 250 m', () => {
		const houses = [{ lat: here.lat, lng: here.lng }, { lat: null, lng: null }];
		expect(outsideArea(north(200), houses)).toBe(false);
		expect(outsideArea(north(300), houses)).toBe(true);
		expect(outsideArea(north(300), [{ lat: null, lng: null }])).toBe(false);
	});
});

describe('SLA colour', () => {
	it('turns late at 3 days and overdue at 7 while open', () => {
		expect(slaLevel(T0, new Date(T0.getTime() + 2 * DAY), 'baru')).toBe('ok');
		expect(slaLevel(T0, new Date(T0.getTime() + 3 * DAY), 'diterima')).toBe('late');
		expect(slaLevel(T0, new Date(T0.getTime() + 7 * DAY), 'dikerjakan')).toBe('overdue');
		expect(slaLevel(T0, new Date(T0.getTime() + 9 * DAY), 'selesai')).toBe('done');
	});
});

describe('moderation input', () => {
	it('needs a reason of 3–500 characters', () => {
		expect(checkReason('  ab ')).toEqual({ ok: false, error: 'complaints.error.reason' });
		expect(checkReason('x'.repeat(501))).toEqual({ ok: false, error: 'complaints.error.reason' });
		expect(checkReason(' Nama warga ')).toEqual({ ok: true, value: 'Nama warga' });
	});

	it('checks an edit by the report’s own limits and its reason', () => {
		expect(checkEdit({ title: 'ab', description: 'x'.repeat(2001), reason: '' })).toEqual({
			ok: false,
			errors: { title: 'complaints.error.title', description: 'complaints.error.description', reason: 'complaints.error.reason' }
		});
		expect(checkEdit({ title: ' Got mampet ', description: ' Air meluap ', reason: 'Privasi' })).toEqual({ ok: true, value: { title: 'Got mampet', description: 'Air meluap', reason: 'Privasi' } });
	});
});

describe('a category', () => {
	const base = { name: 'Pohon tumbang', nameEn: '', routeTo: 'rt_head', privateByDefault: false, active: true };
	it('needs an Indonesian name of 2–60, an English one of at most 60 (or none), and a known route', () => {
		expect(checkCategory({ ...base, name: ' P ', nameEn: 'x'.repeat(61), routeTo: 'lurah' })).toEqual({
			ok: false,
			errors: { name: 'complaints.error.category_name', name_en: 'complaints.error.category_name_en', route_to: 'complaints.error.route_to' }
		});
		expect(checkCategory({ ...base, name: 'x'.repeat(61) })).toMatchObject({ ok: false, errors: { name: 'complaints.error.category_name' } });
		expect(checkCategory(base)).toEqual({ ok: true, value: { name: 'Pohon tumbang', nameEn: null, routeTo: 'rt_head', privateByDefault: false, active: true } });
	});

	it('is named in the reader’s language, Indonesian when it has no English name', () => {
		expect(categoryName({ name: 'Sampah', name_en: 'Rubbish' }, 'en')).toBe('Rubbish');
		expect(categoryName({ name: 'Sampah', name_en: 'Rubbish' }, 'id')).toBe('Sampah');
		expect(categoryName({ name: 'Sampah', name_en: null }, 'en')).toBe('Sampah');
	});
});
