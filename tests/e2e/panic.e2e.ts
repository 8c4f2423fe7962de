import { expect, test } from '@playwright/test';
import { expectAccessible, login, open } from './helpers';

/**
 * A panic from the phone to the security post and back: the resident holds the button
 * (keyboard: Space held), the officer's screen is covered by the alarm, the officer
 * receives it, and the resident's screen says "Diterima petugas" without a reload.
 */
test('a resident presses panic, the post is alarmed and receives it, the resident sees it live', async ({ browser }) => {
	test.setTimeout(60_000);
	const officerContext = await browser.newContext();
	const officer = await officerContext.newPage();
	await officer.emulateMedia({ reducedMotion: 'reduce' });
	await login(officer, '081200000005');
	await expect(officer).toHaveURL(/\/security$/);
	await officer.locator('html[data-ready="true"]').waitFor({ state: 'attached' });
	await expect(officer.getByTestId('connection')).toHaveText('Langsung');

	const residentContext = await browser.newContext();
	const resident = await residentContext.newPage();
	await login(resident, '081200000001');
	await expect(resident).toHaveURL(/\/$/);
	await open(resident, '/');
	const card = resident.getByTestId('home-panic');
	await expect(card.getByRole('heading', { name: 'Panggilan darurat' })).toBeVisible();
	await expectAccessible(resident);
	await card.getByLabel('Jenis kejadian (boleh dilewati)').selectOption('kejahatan');
	await card.getByLabel('Kirim juga lokasi ponsel saya').uncheck();

	// A tap is not a press: released at once, nothing is sent.
	const button = resident.getByTestId('panic-button');
	await button.focus();
	await resident.keyboard.down('Space');
	await expect(button).toContainText('Tahan terus');
	await resident.keyboard.up('Space');
	await expect(button).not.toContainText('Tahan terus');
	// Held: sent after ~2 s.
	await resident.keyboard.down('Space');
	const status = resident.getByTestId('panic-status');
	await expect(status).toContainText('Terkirim');
	await resident.keyboard.up('Space');
	await expect(status.getByRole('button', { name: /Batalkan/ })).toBeVisible();

	// The post: the whole screen, who and where, until received.
	const overlay = officer.getByTestId('panic-overlay');
	await expect(overlay).toBeVisible();
	await expect(overlay).toContainText('PANGGILAN DARURAT');
	await expect(overlay).toContainText('Kejahatan');
	await expect(overlay).toContainText('Siti Rahmawati');
	await expect(overlay.getByRole('link', { name: /Telepon \+62812/ })).toBeVisible();
	await expectAccessible(officer);
	await overlay.getByRole('button', { name: 'Terima panggilan' }).click();
	await expect(overlay).toBeHidden();
	await expect(officer.getByTestId('panic-handling')).toContainText('Diterima');

	// The resident's screen, without a reload.
	await expect(status).toHaveAttribute('data-state', 'acknowledged');
	await expect(status.getByRole('status')).toHaveText('Diterima petugas');
	await expectAccessible(resident);
	await officerContext.close();
	await residentContext.close();
});
