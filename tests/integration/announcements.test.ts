import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import type { Database } from '../../src/lib/server/db/types';
import { announcementImage, listAnnouncements, markRead, postAnnouncement } from '../../src/lib/server/announcements/service';
import { freshDatabase } from '../factories/db';
import { tempFileStore } from '../factories/letters';
import { makeMember, makeRw, type TestRw } from '../factories/tenancy';

/** Announcements: who posts where, who reads what, the image, the push notifications. */

let db: Database;
let rw: TestRw;
let files: Awaited<ReturnType<typeof tempFileStore>>;
beforeAll(async () => {
	db = await freshDatabase();
	rw = await makeRw(db, 2, 2);
	files = await tempFileStore();
});
afterAll(async () => {
	await files?.cleanup();
	await db?.close();
});

const input = (over: Partial<Parameters<typeof postAnnouncement>[3]> = {}) => ({ title: 'Kerja bakti', body: 'Minggu pagi jam 7.', rtId: null, push: true, image: null, ...over });

describe('announcements', () => {
	it('an RT head posts to their RT only; its residents are told, other RTs neither see nor hear it', async () => {
		const head = await makeMember(db, rw, 'rt_head', { rtIndex: 0 });
		const [mine, other] = [await makeMember(db, rw, 'resident', { rtIndex: 0 }), await makeMember(db, rw, 'resident', { rtIndex: 1 })];
		expect(await postAnnouncement(db, head, files.store, input())).toEqual({ ok: false, forbidden: true });
		expect(await postAnnouncement(db, head, files.store, input({ rtId: rw.rts[1]!.id }))).toEqual({ ok: false, forbidden: true });
		const posted = await postAnnouncement(db, head, files.store, input({ rtId: rw.rts[0]!.id }));
		expect(posted.ok).toBe(true);
		expect((await listAnnouncements(db, mine)).map((a) => [a.title, a.rt_number, a.read])).toEqual([['Kerja bakti', 1, false]]);
		expect(await listAnnouncements(db, other)).toEqual([]);
		const told = await db.query<{ user_id: string; kind: string; params: { title: string } }>(`select user_id, kind, params from notification where kind = 'announcement.posted'`);
		expect(told.map((n) => n.user_id)).toContain(mine.id);
		expect(told.map((n) => n.user_id)).not.toContain(other.id);
		expect(told.map((n) => n.user_id)).not.toContain(head.id);
	});

	it('the RW admin posts to the whole RW, newest first on every home, read state per user', async () => {
		const admin = await makeMember(db, rw, 'rw_admin');
		const [a, b] = [await makeMember(db, rw, 'resident', { rtIndex: 0 }), await makeMember(db, rw, 'resident', { rtIndex: 1 })];
		const first = await postAnnouncement(db, admin, files.store, input({ title: 'Rapat warga', push: false }));
		const second = await postAnnouncement(db, admin, files.store, input({ title: 'Fogging nyamuk', push: false }));
		expect(first.ok && second.ok).toBe(true);
		const list = await listAnnouncements(db, b);
		expect(list.slice(0, 2).map((x) => x.title)).toEqual(['Fogging nyamuk', 'Rapat warga']);
		await markRead(db, b, list.map((x) => x.id));
		expect((await listAnnouncements(db, b)).every((x) => x.read)).toBe(true);
		expect((await listAnnouncements(db, a)).find((x) => x.title === 'Rapat warga')!.read).toBe(false);
	});

	it('checks the fields and the image by its bytes; the stored image is re-encoded without its metadata', async () => {
		const admin = await makeMember(db, rw, 'rw_admin');
		const bad = await postAnnouncement(db, admin, files.store, input({ title: 'x', body: '', image: { bytes: new TextEncoder().encode('<svg onload=alert(1)>'), name: 'a.jpg' } }));
		expect(bad).toEqual({ ok: false, errors: { title: 'errors.announcement_title', body: 'errors.announcement_body', image: 'upload.unsupported' } });
		const photo = await sharp({ create: { width: 3000, height: 2000, channels: 3, background: '#3a7' } })
			.withMetadata({ exif: { IFD0: { Copyright: 'GPS rumah' } } })
			.jpeg()
			.toBuffer();
		const ok = await postAnnouncement(db, admin, files.store, input({ title: 'Banjir kemarin', push: false, image: { bytes: new Uint8Array(photo), name: 'foto.jpg' } }));
		expect(ok.ok).toBe(true);
		const stored = await announcementImage(db, admin, files.store, (ok as { id: string }).id);
		const meta = await sharp(Buffer.from(stored!.bytes)).metadata();
		expect([meta.format, meta.width, meta.exif]).toEqual(['jpeg', 1600, undefined]);
	});
});
