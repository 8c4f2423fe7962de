import type { IncidentView } from '$lib/views/alerts';

/**
 * The security post's open panic incidents from the database (docs/panic.md, "The
 * dashboard"). Live changes come over the page's one alerts feed (alerts-feed.ts,
 * `onPanic`); this catch-up runs after each of its (re)connects, and on a timer.
 */
export interface OpenIncidents {
	incidents: IncidentView[];
	officers: { id: string; name: string; phone: string }[];
	canHandle: boolean;
	escalateS: number;
}

/** Without a WebSocket the open incidents are read this often; with one, as a safety net. */
export const PANIC_POLL_MS = 5000;
export const PANIC_SAFETY_POLL_MS = 30_000;

export async function fetchOpenIncidents(): Promise<OpenIncidents | null> {
	try {
		const response = await fetch('/security/incidents/open', { headers: { accept: 'application/json' }, cache: 'no-store' });
		return response.ok ? ((await response.json()) as OpenIncidents) : null;
	} catch {
		return null; // the next reconnect or poll tries again
	}
}
