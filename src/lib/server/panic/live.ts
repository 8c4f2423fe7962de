import type { IncidentView } from '$lib/views/alerts';
import type { Database } from '../db';
import type { Claims } from '../db/with-user';
import { getIncident } from './queries';
import type { PanicService } from './service';

/**
 * How often the stream reads the incident again when other app instances may share the
 * database (PostgreSQL): their steps show within this. On PGlite the app is the only
 * instance and every step comes through the service's change events, so it never polls.
 */
export const RECHECK_MS = 3000;
const HEARTBEAT_MS = 15_000;

/**
 * A resident's incident as Server-Sent Events (docs/panic.md, "The resident's screen"):
 * the incident now, then again after every step. A step made by this instance arrives
 * at once (the service's after-commit change); one made by another instance sharing the
 * database (several instances behind an external broker) within RECHECK_MS, when the
 * stream reads it again (`sharedDatabase`). Always read as the user (RLS: their own press).
 * The stream ends when the incident is closed or the page goes.
 */
export async function incidentStream(service: PanicService, db: Database, claims: Claims, id: string, signal: AbortSignal, sharedDatabase: boolean): Promise<ReadableStream<Uint8Array> | null> {
	const first = await getIncident(db, claims, id);
	if (!first) return null;
	const encoder = new TextEncoder();
	let last = '';
	let stop = () => {};
	return new ReadableStream<Uint8Array>({
		start(controller) {
			let closed = false;
			const send = (incident: IncidentView) => {
				const text = JSON.stringify(incident);
				if (closed || text === last) return;
				last = text;
				controller.enqueue(encoder.encode(`data: ${text}\n\n`));
				if (['resolved', 'false_alarm', 'cancelled'].includes(incident.state)) stop();
			};
			const recheck = () =>
				void getIncident(db, claims, id).then(
					(incident) => incident && send(incident),
					() => {}
				);
			const off = service.onChange(id, () => recheck());
			const timer = sharedDatabase ? setInterval(recheck, RECHECK_MS) : undefined;
			const heartbeat = setInterval(() => !closed && controller.enqueue(encoder.encode(': ok\n\n')), HEARTBEAT_MS);
			stop = () => {
				if (closed) return;
				closed = true;
				off();
				clearInterval(timer);
				clearInterval(heartbeat);
				signal.removeEventListener('abort', stop);
				controller.close();
			};
			signal.addEventListener('abort', stop);
			send(first);
		},
		cancel() {
			stop();
		}
	});
}
