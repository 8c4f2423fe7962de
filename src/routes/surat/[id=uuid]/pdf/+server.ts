import { error } from '@sveltejs/kit';
import { downloadLetter } from '$lib/server/letters/issued';
import { storedFileResponse } from '$lib/server/http';
import { clientIp } from '$lib/web/http.server';
import { getRuntime } from '$lib/server/runtime';
import type { RequestHandler } from './$types';

/** The issued letter's PDF, for its requester, RT head or RW admin (logged: it shows the NIK). */
export const GET: RequestHandler = async (event) => {
	const user = event.locals.user;
	if (!user) error(403, { message: 'Forbidden', key: 'error.403' });
	const { db, files, pii } = getRuntime();
	const letter = await downloadLetter(db, files, pii, user, event.params.id, clientIp(event));
	if (!letter) error(404, { message: 'Not found', key: 'error.404' });
	return storedFileResponse(letter.bytes, 'application/pdf', `surat-${letter.number}.pdf`);
};
