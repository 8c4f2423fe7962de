import { expect, test } from '@playwright/test';
import { login, open } from './helpers';

// Cheap phones are 360 px wide: no page of a role may need sideways scrolling (wide
// tables scroll inside their own frame). Each page is measured once hydrated.
const ROLES = [
	{ phone: '081200000001', home: /\/$/, pages: ['/', '/household', '/layanan', '/surat', '/notifikasi', '/account', '/banjir'] },
	{ phone: '081200000002', home: /\/rt$/, pages: ['/rt', '/rt/surat', '/registry/stats', '/registry/mutations', '/registry/import', '/registry/new'] },
	{
		phone: '081200000003',
		home: /\/rw$/,
		pages: ['/rw', '/rw/members', '/rw/devices', '/rw/devices/rw012-wl-01', '/security/pumps', '/rw/surat', '/rw/surat/laporan', '/rw/layanan', '/registry/access-log', '/registry/corrections']
	},
	{ phone: '081200000004', home: /\/treasurer$/, pages: ['/treasurer'] },
	{ phone: '081200000005', home: /\/security$/, pages: ['/security', '/security/pumps'] }
];

test.use({ viewport: { width: 360, height: 740 } });

for (const role of ROLES) {
	test(`the pages of ${role.phone} fit a 360 px phone`, async ({ page }) => {
		await login(page, role.phone);
		await expect(page).toHaveURL(role.home);
		const overflowing: string[] = [];
		for (const path of role.pages) {
			const response = await open(page, path);
			expect(response?.status(), path).toBe(200);
			if (path === '/registry/stats') await page.locator('canvas[style*="width"]').waitFor();
			const width = await page.evaluate(() => document.documentElement.scrollWidth);
			if (width > 360) overflowing.push(`${path}: ${width} px`);
		}
		expect(overflowing).toEqual([]);
	});
}
