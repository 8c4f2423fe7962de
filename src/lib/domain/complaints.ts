/**
 * Complaint (pengaduan) rules, pure (docs/complaints.md): the lifecycle, who may move it
 * where, the reopen window, the duplicate radius and the checks on a report.
 *
 * baru → diterima → dikerjakan → selesai is the path to a fix; ditutup (closed without
 * a fix, with a reason) is a separate end. Staff may also step back (a mistaken
 * "selesai" goes back to dikerjakan). The reporter may only reopen a selesai complaint
 * within REOPEN_DAYS (it goes back to diterima) and rate it.
 */

export const COMPLAINT_STATUSES = ['baru', 'diterima', 'dikerjakan', 'selesai', 'ditutup'] as const;
export type ComplaintStatus = (typeof COMPLAINT_STATUSES)[number];
export const OPEN_STATUSES: readonly ComplaintStatus[] = ['baru', 'diterima', 'dikerjakan'];
export const CLOSED_REASONS = ['not_ours', 'duplicate', 'invalid'] as const;
export type ClosedReason = (typeof CLOSED_REASONS)[number];

/** Days after selesai during which the reporter may reopen. */
export const REOPEN_DAYS = 14;
/** Open reports of the same category this close are shown as possible duplicates. */
export const DUPLICATE_RADIUS_M = 50;
/** A pin farther than this from every house of the RW is warned as outside the RW. */
export const AREA_MARGIN_M = 250;

const STAFF_MOVES: Record<ComplaintStatus, readonly ComplaintStatus[]> = {
	baru: ['diterima', 'dikerjakan', 'selesai', 'ditutup'],
	diterima: ['dikerjakan', 'selesai', 'ditutup'],
	dikerjakan: ['diterima', 'selesai', 'ditutup'],
	selesai: ['dikerjakan'],
	ditutup: ['diterima']
};

/** Whether staff may move a complaint from one status to another. */
export function staffMayMove(from: ComplaintStatus, to: ComplaintStatus): boolean {
	return STAFF_MOVES[from].includes(to);
}

export const isOpen = (status: ComplaintStatus) => OPEN_STATUSES.includes(status);

/** Whether the reporter may still reopen: selesai, and at most REOPEN_DAYS since it was finished. */
export function mayReopen(status: ComplaintStatus, finishedAt: Date | null, now: Date): boolean {
	if (status !== 'selesai' || !finishedAt) return false;
	return now.getTime() - finishedAt.getTime() <= REOPEN_DAYS * 86_400_000;
}

/** Whether the reporter may rate (1–5) the outcome: only a fixed complaint. */
export const mayRate = (status: ComplaintStatus) => status === 'selesai';

export interface Point {
	lat: number;
	lng: number;
}

const EARTH_RADIUS_M = 6_371_008.8;
const rad = (deg: number) => (deg * Math.PI) / 180;

/** Great-circle distance in metres (haversine). */
export function distanceM(a: Point, b: Point): number {
	const dLat = rad(b.lat - a.lat);
	const dLng = rad(b.lng - a.lng);
	const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLng / 2) ** 2;
	return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** A box around `p` that holds every point within `radiusM` (for an index scan before the exact distance). */
export function boxAround(p: Point, radiusM: number): { minLat: number; maxLat: number; minLng: number; maxLng: number } {
	const dLat = (radiusM / EARTH_RADIUS_M) * (180 / Math.PI);
	const dLng = dLat / Math.max(0.01, Math.cos(rad(p.lat)));
	return { minLat: p.lat - dLat, maxLat: p.lat + dLat, minLng: p.lng - dLng, maxLng: p.lng + dLng };
}

export interface DuplicateCandidate extends Point {
	id: string;
	categoryId: string;
	status: ComplaintStatus;
}

/** Open complaints of the same category within DUPLICATE_RADIUS_M of the pin, nearest first. */
export function nearbyDuplicates<T extends DuplicateCandidate>(pin: Point, categoryId: string, candidates: readonly T[], radiusM = DUPLICATE_RADIUS_M): (T & { distanceM: number })[] {
	return candidates
		.filter((c) => c.categoryId === categoryId && isOpen(c.status))
		.map((c) => ({ ...c, distanceM: distanceM(pin, c) }))
		.filter((c) => c.distanceM <= radiusM)
		.sort((a, b) => a.distanceM - b.distanceM);
}

/** The house nearest the pin (its RT is the complaint's RT), or null when no house has a point. */
export function nearestHouse<T extends { lat: number | null; lng: number | null }>(pin: Point, houses: readonly T[]): { house: T; distanceM: number } | null {
	let best: { house: T; distanceM: number } | null = null;
	for (const h of houses) {
		if (h.lat === null || h.lng === null) continue;
		const d = distanceM(pin, { lat: h.lat, lng: h.lng });
		if (!best || d < best.distanceM) best = { house: h, distanceM: d };
	}
	return best;
}

/** Whether the pin lies outside the RW: farther than AREA_MARGIN_M from every mapped house (unknown without houses: false). */
export function outsideArea(pin: Point, houses: readonly { lat: number | null; lng: number | null }[]): boolean {
	const nearest = nearestHouse(pin, houses);
	return nearest !== null && nearest.distanceM > AREA_MARGIN_M;
}

/** i18n keys of field problems. */
export type ComplaintField = 'category' | 'title' | 'description' | 'lat' | 'rating' | 'note' | 'forward_url' | 'closed_reason' | 'duplicate_of';

export interface ReportInput {
	categoryId: string;
	title: string;
	description: string;
	lat: string;
	lng: string;
}

export interface CheckedReport {
	categoryId: string;
	title: string;
	description: string;
	lat: number;
	lng: number;
}

/** Checks a report form; field problems are i18n keys. */
export function checkReport(input: ReportInput, categoryIds: readonly string[]): { ok: true; value: CheckedReport } | { ok: false; errors: Partial<Record<ComplaintField, string>> } {
	const errors: Partial<Record<ComplaintField, string>> = {};
	const title = input.title.trim();
	const description = input.description.trim();
	if (!categoryIds.includes(input.categoryId)) errors.category = 'complaints.error.category';
	if (title.length < 3 || title.length > 120) errors.title = 'complaints.error.title';
	if (description.length < 1 || description.length > 2000) errors.description = 'complaints.error.description';
	const lat = Number(input.lat);
	const lng = Number(input.lng);
	if (input.lat.trim() === '' || input.lng.trim() === '' || !Number.isFinite(lat) || !Number.isFinite(lng) || Math.abs(lat) > 90 || Math.abs(lng) > 180) {
		errors.lat = 'complaints.error.pin';
	}
	if (Object.keys(errors).length > 0) return { ok: false, errors };
	return { ok: true, value: { categoryId: input.categoryId, title, description, lat, lng } };
}

/** Checks a staff status change: the move, the note, and a closing reason with its link or duplicate. */
export function checkStatusChange(
	from: ComplaintStatus,
	input: { to: string; note: string; closedReason?: string; forwardUrl?: string; duplicateOf?: string }
):
	| { ok: true; value: { to: ComplaintStatus; note: string; closedReason: ClosedReason | null; forwardUrl: string | null; duplicateOf: string | null } }
	| { ok: false; errors: Partial<Record<ComplaintField | 'to', string>> } {
	const errors: Partial<Record<ComplaintField | 'to', string>> = {};
	const to = input.to as ComplaintStatus;
	if (!COMPLAINT_STATUSES.includes(to) || !staffMayMove(from, to)) errors.to = 'complaints.error.move';
	const note = input.note.trim();
	if (note.length > 1000) errors.note = 'complaints.error.note';
	let closedReason: ClosedReason | null = null;
	let forwardUrl: string | null = null;
	let duplicateOf: string | null = null;
	if (to === 'ditutup') {
		closedReason = CLOSED_REASONS.includes(input.closedReason as ClosedReason) ? (input.closedReason as ClosedReason) : null;
		if (!closedReason) errors.closed_reason = 'complaints.error.closed_reason';
		if (closedReason === 'not_ours') {
			forwardUrl = (input.forwardUrl ?? '').trim();
			if (!/^https?:\/\/\S{1,490}$/.test(forwardUrl)) errors.forward_url = 'complaints.error.forward_url';
		}
		if (closedReason === 'duplicate') {
			duplicateOf = (input.duplicateOf ?? '').trim();
			if (!/^[0-9a-f-]{36}$/.test(duplicateOf)) errors.duplicate_of = 'complaints.error.duplicate_of';
		}
	}
	if (Object.keys(errors).length > 0) return { ok: false, errors };
	return { ok: true, value: { to, note, closedReason, forwardUrl, duplicateOf } };
}

/** SLA colour of an open complaint by age: fresh under 3 days, late from 3, overdue from 7. */
export function slaLevel(createdAt: Date, now: Date, status: ComplaintStatus): 'ok' | 'late' | 'overdue' | 'done' {
	if (!isOpen(status)) return 'done';
	const days = (now.getTime() - createdAt.getTime()) / 86_400_000;
	return days >= 7 ? 'overdue' : days >= 3 ? 'late' : 'ok';
}

/** At most this many complaints in one bulk status change. */
export const MAX_BULK = 50;

/** Checks the reason staff give for a moderation step (hiding a report or photo, editing its text). */
export function checkReason(reason: string): { ok: true; value: string } | { ok: false; error: string } {
	const value = reason.trim();
	return value.length >= 3 && value.length <= 500 ? { ok: true, value } : { ok: false, error: 'complaints.error.reason' };
}

/** Checks a privacy edit of the text: the report's own limits and a reason. */
export function checkEdit(input: { title: string; description: string; reason: string }):
	| { ok: true; value: { title: string; description: string; reason: string } }
	| { ok: false; errors: Partial<Record<'title' | 'description' | 'reason', string>> } {
	const errors: Partial<Record<'title' | 'description' | 'reason', string>> = {};
	const title = input.title.trim();
	const description = input.description.trim();
	if (title.length < 3 || title.length > 120) errors.title = 'complaints.error.title';
	if (description.length < 1 || description.length > 2000) errors.description = 'complaints.error.description';
	const reason = checkReason(input.reason);
	if (!reason.ok) errors.reason = reason.error;
	if (Object.keys(errors).length > 0 || !reason.ok) return { ok: false, errors };
	return { ok: true, value: { title, description, reason: reason.value } };
}

export const CATEGORY_ROUTES = ['rt_head', 'rw_admin'] as const;
export type CategoryRoute = (typeof CATEGORY_ROUTES)[number];

export interface CategoryInput {
	name: string;
	nameEn: string;
	routeTo: string;
	privateByDefault: boolean;
	active: boolean;
}

/** Checks a category as the RW admin edits it: the Indonesian name (2–60), the English one (optional, ≤ 60), where it routes. */
export function checkCategory(input: CategoryInput):
	| { ok: true; value: { name: string; nameEn: string | null; routeTo: CategoryRoute; privateByDefault: boolean; active: boolean } }
	| { ok: false; errors: Partial<Record<'name' | 'name_en' | 'route_to', string>> } {
	const errors: Partial<Record<'name' | 'name_en' | 'route_to', string>> = {};
	const name = input.name.trim();
	const nameEn = input.nameEn.trim();
	if (name.length < 2 || name.length > 60) errors.name = 'complaints.error.category_name';
	if (nameEn.length > 60) errors.name_en = 'complaints.error.category_name_en';
	if (!(CATEGORY_ROUTES as readonly string[]).includes(input.routeTo)) errors.route_to = 'complaints.error.route_to';
	if (Object.keys(errors).length > 0) return { ok: false, errors };
	return { ok: true, value: { name, nameEn: nameEn || null, routeTo: input.routeTo as CategoryRoute, privateByDefault: input.privateByDefault, active: input.active } };
}

/** A category's name in the reader's language (the Indonesian one when there is no English name). */
export const categoryName = (c: { name: string; name_en?: string | null }, locale: string) => (locale === 'en' && c.name_en ? c.name_en : c.name);
