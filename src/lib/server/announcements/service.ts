import type { AnnouncementView } from '$lib/views/announcements';
import { may } from '$lib/domain/permissions';
import type { FieldErrors } from '$lib/schemas/form';
import type { SessionUser } from '../auth/sessions';
import { queryAsUser, withUser, type Database } from '../db';
import { notify } from '../notifications';
import { newFileKey, type FileStore } from '../storage/files';
import { acceptUpload } from '../storage/uploads';

/**
 * Announcements (docs/push.md, "Announcements"): the RW admin to the whole RW, an RT
 * head to their RT; with "push" the members are told through notify() in the same
 * transaction (in the app, and on their devices by the push channel).
 */

export interface AnnouncementInput {
	title: string;
	body: string;
	/** null: the whole RW. */
	rtId: string | null;
	push: boolean;
	image: { bytes: Uint8Array; name: string } | null;
}

export type PostResult = { ok: true; id: string } | { ok: false; errors: FieldErrors } | { ok: false; forbidden: true };

const IMAGE_BYTES = 8 * 1024 * 1024;

export function checkInput(input: AnnouncementInput): FieldErrors {
	const errors: FieldErrors = {};
	const title = input.title.trim();
	const body = input.body.trim();
	if (title.length < 3 || title.length > 120) errors.title = 'errors.announcement_title';
	if (body.length < 1 || body.length > 4000) errors.body = 'errors.announcement_body';
	return errors;
}

export async function postAnnouncement(db: Database, user: SessionUser, store: FileStore, input: AnnouncementInput): Promise<PostResult> {
	if (!user.rwId || !may(user, 'announcements.post', { rwId: user.rwId, rtId: input.rtId })) return { ok: false, forbidden: true };
	const errors = checkInput(input);
	let image: { key: string; bytes: Uint8Array; contentType: string } | null = null;
	if (input.image && input.image.bytes.length > 0) {
		// Checked by its bytes and re-encoded without metadata (a phone photo's EXIF carries its GPS position).
		const accepted = await acceptUpload(input.image, { allow: ['image'], maxBytes: IMAGE_BYTES, maxSide: 1600 });
		if (!accepted.ok) errors.image = accepted.problem;
		else image = { key: newFileKey('announcements', user.rwId, accepted.file.ext), bytes: accepted.file.bytes, contentType: accepted.file.contentType };
	}
	if (Object.keys(errors).length > 0) return { ok: false, errors };
	// The file first: a committed row never points at a missing file.
	if (image) await store.put(image.key, image.bytes, image.contentType);
	try {
		const id = await withUser(db, { sub: user.id, rw_id: user.rwId }, async (tx) => {
			const [row] = await tx.query<{ id: string }>(
				`insert into announcement (rw_id, rt_id, author_id, author_name, title, body, image_key, push) values ($1, $2, $3, $4, $5, $6, $7, $8) returning id`,
				[user.rwId, input.rtId, user.id, user.name, input.title.trim(), input.body.trim(), image?.key ?? null, input.push]
			);
			const members = await tx.query<{ user_id: string }>(
				`select distinct user_id from membership where rw_id = $1 and ($2::uuid is null or rt_id = $2) and user_id <> $3`,
				[user.rwId, input.rtId, user.id]
			);
			// Everyone sees it on their home; "push" also tells them (in the app and on their devices).
			if (input.push) await notify(tx, user.rwId!, members.map((m) => m.user_id), 'announcement.posted', { title: input.title.trim() }, `/pengumuman#a-${row!.id}`);
			return row!.id;
		});
		return { ok: true, id };
	} catch (err) {
		if (image) await store.delete(image.key).catch(() => undefined);
		throw err;
	}
}

export type AnnouncementRow = AnnouncementView;

/** The user's announcements, newest first, with their read state. */
export function listAnnouncements(db: Database, user: SessionUser, limit = 30): Promise<AnnouncementRow[]> {
	return queryAsUser<AnnouncementRow>(
		db,
		{ sub: user.id, rw_id: user.rwId },
		`select a.id, a.title, a.body, rt.number as rt_number, a.author_name as author, a.image_key is not null as has_image, a.created_at::text,
		        exists (select 1 from announcement_read r where r.announcement_id = a.id and r.user_id = $2) as read
		   from announcement a left join rt on rt.id = a.rt_id
		  where a.rw_id = $1 order by a.created_at desc, a.id limit $3`,
		[user.rwId, user.id, limit]
	);
}

export async function markRead(db: Database, user: SessionUser, ids: readonly string[]): Promise<void> {
	if (ids.length === 0) return;
	await queryAsUser(
		db,
		{ sub: user.id, rw_id: user.rwId },
		`insert into announcement_read (rw_id, announcement_id, user_id) select a.rw_id, a.id, $2 from announcement a where a.id = any($1::uuid[]) on conflict do nothing`,
		[ids, user.id]
	);
}

/** The image of an announcement the user may read; null otherwise. */
export async function announcementImage(db: Database, user: SessionUser, store: FileStore, id: string): Promise<{ bytes: Uint8Array; contentType: string } | null> {
	const [row] = await queryAsUser<{ image_key: string | null }>(db, { sub: user.id, rw_id: user.rwId }, 'select image_key from announcement where id = $1', [id]);
	return row?.image_key ? store.get(row.image_key) : null;
}

/** Where the user may post: the whole RW (RW admin) and the RTs they may post to. */
export async function postTargets(db: Database, user: SessionUser): Promise<{ wholeRw: boolean; rts: { id: string; number: number }[] }> {
	if (!user.rwId) return { wholeRw: false, rts: [] };
	const rts = await queryAsUser<{ id: string; number: number }>(
		db,
		{ sub: user.id, rw_id: user.rwId },
		`select id, number from rt where rw_id = $1 and id in (select app.may_rts('announcements.post')) order by number`,
		[user.rwId]
	);
	return { wholeRw: may(user, 'announcements.post', { rwId: user.rwId, rtId: null }), rts };
}
