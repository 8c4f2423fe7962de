import { describe, expect, it } from 'vitest';
import { currentNavHref } from './nav-current';

const menu = ['/', '/layanan', '/surat', '/rt/surat', '/rw/surat', '/rt', '/registry', '/rw', '/household', '/notifikasi', '/account'];

describe('currentNavHref', () => {
	it.each([
		['/rt/surat', '/rt/surat'],
		['/rt/surat/7c6f1c9e-1111-4f5e-9c1a-2b3c4d5e6f70', '/rt/surat'],
		['/rw/surat', '/rw/surat'],
		['/rw/surat/laporan', '/rw/surat'],
		['/rw/devices', '/rw'],
		['/rt', '/rt'],
		['/surat/baru', '/surat'],
		['/', '/'],
		['/registry/import', '/registry'],
		['/rtx', null],
		['/login', null]
	])('%s → %s', (path, expected) => {
		expect(currentNavHref(path, menu)).toBe(expected);
	});

	it('marks exactly one link however the menu is ordered', () => {
		for (const path of ['/rt/surat/abc', '/rw/surat', '/rw/layanan']) {
			const forward = currentNavHref(path, menu);
			expect(currentNavHref(path, [...menu].reverse())).toBe(forward);
		}
	});
});
