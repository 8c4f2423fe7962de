import { json } from '@sveltejs/kit';
import { listAnnouncements } from '$lib/server/announcements/service';
import type { RequestHandler } from './$types';

/** The newest announcements for the home page's panel. */
export const GET: RequestHandler = async ({ locals }) => json(await locals.db.run(listAnnouncements, 3));
