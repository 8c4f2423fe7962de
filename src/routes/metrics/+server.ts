import { error } from '@sveltejs/kit';
import { clientIp } from '$lib/web/http.server';
import { missedReadings, renderGaps } from '$lib/server/ingest/gaps';
import { metric } from '$lib/server/ingest/metrics';
import { getRuntime } from '$lib/server/runtime';
import type { RequestHandler } from './$types';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** Ingest and broker counters in the Prometheus text format: RW admins, or a scraper on this machine. */
export const GET: RequestHandler = async (event) => {
	const user = event.locals.user;
	if (!user?.roles.includes('rw_admin') && !LOOPBACK.has(clientIp(event))) error(403, { message: 'Forbidden', key: 'error.403' });
	const { db, ingest, broker } = getRuntime();
	const stats = broker.stats();
	const body =
		ingest.renderMetrics() +
		renderGaps(await missedReadings(db)) +
		[...metric('rukun_mqtt_clients_connected', 'gauge', 'Clients connected to the embedded broker.', stats.connectedClients), ''].join('\n');
	return new Response(body, { headers: { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Cache-Control': 'no-store' } });
};
