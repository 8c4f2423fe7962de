import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';

export const DEMO_PASSWORD = 'rukun-demo';

/**
 * Opens a page and waits until it has hydrated. A page sent without client-side
 * JavaScript (`csr = false`, e.g. the registry list: `{ scripts: false }`) is ready once
 * it has loaded, and must indeed have no script.
 */
export async function open(page: Page, path: string, options: { scripts?: boolean } = {}) {
	const response = await page.goto(path);
	if (options.scripts === false) expect(await page.evaluate(() => document.scripts.length)).toBe(0);
	else await page.locator('html[data-ready="true"]').waitFor({ state: 'attached' });
	return response;
}

export async function login(page: Page, phone: string, password = DEMO_PASSWORD) {
	await open(page, '/login');
	await page.getByLabel('Nomor HP').fill(phone);
	await page.getByLabel('Kata sandi').fill(password);
	await page.getByRole('button', { name: 'Masuk' }).click();
}

/** No serious or critical axe violations (WCAG 2.1 A/AA rules). */
export async function expectAccessible(page: Page) {
	const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
	const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
	expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}
