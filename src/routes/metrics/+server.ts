import { mayAnywhere } from '$lib/domain/permissions';
import { bearerMatches } from '$lib/server/auth/tokens';
import { missedReadings, renderGaps } from '$lib/server/ingest/gaps';
import { metric } from '$lib/server/ingest/metrics';
import { getRuntime } from '$lib/server/runtime';
import type { RequestHandler } from './$types';

/**
 * Ingest and broker counters in the Prometheus text format, for an RW admin's session
 * or a scraper with the METRICS_TOKEN bearer token. Never by address: behind a reverse
 * proxy on the same host every visitor comes from localhost.
 */
export const GET: RequestHandler = async (event) => {
	const { db, ingest, broker, config } = getRuntime();
	// Whoever manages an RW (its admin) sees how the system runs.
	const admin = event.locals.user ? mayAnywhere(event.locals.user, 'rw.manage') : false;
	if (!admin && !bearerMatches(event.request.headers.get('authorization'), config.metricsToken)) {
		return new Response('Unauthorized\n', {
			status: 401,
			headers: { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Bearer realm="metrics"', 'cache-control': 'no-store' }
		});
	}
	const stats = broker.stats();
	const body =
		ingest.renderMetrics() +
		renderGaps(await missedReadings(db)) +
		[...metric('rukun_mqtt_clients_connected', 'gauge', 'Clients connected to the embedded broker.', stats.connectedClients), ''].join('\n');
	return new Response(body, { headers: { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Cache-Control': 'no-store' } });
};
