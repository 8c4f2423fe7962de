import type { IncidentState } from '$lib/views/alerts';

export type StepMove = 'acknowledge' | 'dispatch' | 'resolve' | 'false_alarm';

/** An officer's step (POST JSON); the refusal's i18n key when refused. */
export async function sendStep(id: string, move: StepMove, fields: { note?: string; officerId?: string } = {}): Promise<{ ok: true; state: IncidentState } | { ok: false; message: string; errors?: Record<string, string> }> {
	try {
		const response = await fetch(`/security/incidents/${id}/step`, {
			method: 'POST',
			headers: { 'content-type': 'application/json', accept: 'application/json' },
			body: JSON.stringify({ move, ...fields })
		});
		const answer = (await response.json().catch(() => ({}))) as { ok?: boolean; state?: IncidentState; message?: string; errors?: Record<string, string> };
		if (response.ok && answer.state) return { ok: true, state: answer.state };
		return { ok: false, message: answer.message ?? 'panic.error_form', errors: answer.errors };
	} catch {
		return { ok: false, message: 'panic.live_lost' };
	}
}

/** An OpenStreetMap link to the spot (opens outside the post's screen). */
export const mapLink = (lat: number, lng: number) => `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lng}#map=19/${lat}/${lng}`;
