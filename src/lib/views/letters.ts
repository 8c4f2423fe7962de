/**
 * What the letter pages show: rows as the letter services return them and the
 * components render them. Types only, so a component can name them without importing
 * server code (docs/architecture.md, "Layers").
 */
import type { ServiceField } from '$lib/domain/letter-forms';
import type { RequestStatus } from '$lib/domain/letters';

/** One service of the catalogue as stored. */
export interface LetterService {
	id: string;
	kind: string;
	name: string;
	mode: 'online' | 'tatap_muka' | 'tautan';
	requirements: string[];
	procedure: string[];
	legal_basis: string[];
	days: number | null;
	fee_rp: number;
	product: string;
	complaint_channel: string;
	in_person_reason: string;
	external_url: string | null;
	external_label: string;
	fields: ServiceField[];
	template: string;
	active: boolean;
}

export interface Subject {
	id: string;
	name: string;
	nik_masked: string;
	relation: string;
	sex: 'L' | 'P';
	birth_place: string;
	birth_date: string;
	status: string;
}

export interface RequestSummary {
	id: string;
	kind: string;
	service_name: string;
	status: RequestStatus;
	subject_name: string;
	rt_number: number;
	created_at: string;
	submitted_at: string | null;
	days: number | null;
	number: string | null;
	cancelled: boolean;
}

export interface RequestEvent {
	action: string;
	actor_name: string;
	actor_role: string;
	note: string;
	at: string;
}

export interface AttachmentRow {
	id: string;
	content_type: string;
	original_name: string;
	size_bytes: number;
	label: string;
}

export interface RequestDetail {
	id: string;
	rw_id: string;
	rt_id: string;
	requester_id: string;
	requester_name: string;
	status: RequestStatus;
	data: Record<string, string>;
	reason: string;
	returned_by_role: 'rt_head' | 'rw_admin' | null;
	submitted_at: string | null;
	created_at: string;
	finished_at: string | null;
	service: LetterService;
	subject: Subject & { rt_number: number; address: string };
	events: RequestEvent[];
	attachments: AttachmentRow[];
	letter: {
		id: string;
		number: string;
		issued_at: string;
		verify_token: string;
		pdf_sha256: string;
		cancelled_at: string | null;
		cancel_reason: string;
		picked_up_at: string | null;
		signer_name: string;
		signer_role: string;
	} | null;
	booking: { slot_start: string } | null;
	surveyed: boolean;
}

export interface LetterStats {
	/** Last 12 WIB months, oldest first, `YYYY-MM`. */
	months: string[];
	byService: { name: string; counts: number[]; total: number }[];
	byRt: { rt_number: number; total: number }[];
	/** Median hours from submission to issue, per service over the period (null = none issued). */
	medianHours: { name: string; hours: number | null; issued: number; days: number | null }[];
}
