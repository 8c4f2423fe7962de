/**
 * Sending a press from the phone (docs/panic.md, "No press lost"): the phone makes a
 * key for the press and keeps it (localStorage) until the server confirms, so a retry
 * on a weak connection, or after the page was reloaded, finds the same incident and
 * never makes a second. Retried with backoff until the server answers 200/201; a
 * refusal (400/403/429) is final and shown.
 */
import type { Category } from '$lib/domain/panic';

export interface PressBody {
	key: string;
	category: Category | null;
	lat: number | null;
	lng: number | null;
	accuracy: number | null;
}

export type SendResult = { ok: true; id: string } | { ok: false; status: number; message: string; retryAfter?: number };

const PENDING = 'rukun.panic.pending';
const BACKOFF_MS = [500, 1000, 2000, 4000, 8000];

export function newPress(category: Category | null): PressBody {
	const key = crypto.randomUUID();
	return { key, category, lat: null, lng: null, accuracy: null };
}

export function pendingPress(): PressBody | null {
	try {
		const raw = localStorage.getItem(PENDING);
		return raw ? (JSON.parse(raw) as PressBody) : null;
	} catch {
		return null;
	}
}

const keep = (body: PressBody | null) => {
	try {
		if (body) localStorage.setItem(PENDING, JSON.stringify(body));
		else localStorage.removeItem(PENDING);
	} catch {
		/* private mode: retries still use the key in memory */
	}
};

/** The phone's position if the resident allows it, within `ms` (the press does not wait longer). */
export function locate(ms = 1500): Promise<GeolocationPosition | null> {
	if (typeof navigator === 'undefined' || !navigator.geolocation) return Promise.resolve(null);
	return new Promise((resolve) => {
		const timer = setTimeout(() => resolve(null), ms);
		navigator.geolocation.getCurrentPosition(
			(p) => (clearTimeout(timer), resolve(p)),
			() => (clearTimeout(timer), resolve(null)),
			{ enableHighAccuracy: true, timeout: ms, maximumAge: 60_000 }
		);
	});
}

/** Sends until the server confirms or refuses; `onRetry` after each failed try (weak connection). */
export async function sendUntilConfirmed(body: PressBody, onRetry: (attempt: number) => void, signal?: AbortSignal): Promise<SendResult> {
	keep(body);
	for (let attempt = 0; ; attempt++) {
		if (signal?.aborted) return { ok: false, status: 0, message: 'panic.retrying' };
		try {
			const response = await fetch('/panik', {
				method: 'POST',
				headers: { 'content-type': 'application/json', accept: 'application/json' },
				body: JSON.stringify(body),
				signal
			});
			const answer = (await response.json().catch(() => ({}))) as { id?: string; message?: string; retryAfter?: number };
			if (response.ok && answer.id) {
				keep(null);
				return { ok: true, id: answer.id };
			}
			if (response.status >= 400 && response.status < 500 && response.status !== 408) {
				keep(null);
				return { ok: false, status: response.status, message: answer.message ?? 'panic.error_form', retryAfter: answer.retryAfter };
			}
		} catch {
			/* offline or dropped: try again */
		}
		onRetry(attempt + 1);
		await new Promise((r) => setTimeout(r, BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)]));
	}
}
