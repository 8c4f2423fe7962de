import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Database } from '../../src/lib/server/db/types';
import { createService, getPublicService, listServices, updateService, type ServiceInput } from '../../src/lib/server/letters/catalogue';
import { decisionSchema } from '../../src/lib/schemas/letters';
import { addAttachment, getRequest, listQueue, saveRequest, withdrawRequest } from '../../src/lib/server/letters/requests';
import { decide, type IssueContext } from '../../src/lib/server/letters/review';
import { bookPickup, cancelLetter, downloadLetter, openSlots, submitSurvey, verifyLetter } from '../../src/lib/server/letters/issued';
import { letterStats, surveyReport } from '../../src/lib/server/letters/reports';
import { sha256Hex } from '../../src/lib/server/letters/pdf';
import { sealPendingLetters } from '../../src/lib/server/letters/seal';
import { acceptUpload } from '../../src/lib/server/storage/uploads';
import { listNotifications } from '../../src/lib/server/notifications';
import { mutationReferenceFor } from '../../src/lib/server/letters/mutation-reference';
import { recordMutation } from '../../src/lib/server/registry/mutations';
import { fixClock } from '../factories/clock';
import { freshDatabase } from '../factories/db';
import { makeMember, makeRw, type TestRw } from '../factories/tenancy';
import { makeHousehold, seedCatalogue, tempFileStore, testPii } from '../factories/letters';
import { pdfText, qrOnFirstPage } from '../factories/pdf';

type Member = Awaited<ReturnType<typeof makeMember>>;

const pii = testPii();
let db: Database;
let files: Awaited<ReturnType<typeof tempFileStore>>;
let ctx: IssueContext;
let rw: TestRw;
let otherRw: TestRw;
let resident: Member;
let neighbour: Member;
let head1: Member;
let head2: Member;
let admin: Member;
let otherAdmin: Member;
let household: Awaited<ReturnType<typeof makeHousehold>>;

async function photo(): Promise<Uint8Array> {
	return new Uint8Array(await sharp({ create: { width: 640, height: 400, channels: 3, background: '#bcd' } }).jpeg().toBuffer());
}

/** A submitted domisili request of the resident's household head, with one photo attached. */
async function submittedRequest(keperluan = 'Melamar pekerjaan'): Promise<string> {
	const draft = await saveRequest(db, resident, { kind: 'SK-DOM', subjectId: household.residentIds[0]!, data: { keperluan }, submit: false });
	if (!draft.ok) throw new Error(draft.reason);
	const accepted = await acceptUpload({ bytes: await photo(), name: 'ktp.jpg' });
	if (!accepted.ok) throw new Error(accepted.problem);
	const added = await addAttachment(db, files.store, resident, draft.id, accepted.file, 'KTP-el');
	expect(added.ok).toBe(true);
	const sent = await saveRequest(db, resident, { kind: 'SK-DOM', subjectId: household.residentIds[0]!, data: { keperluan }, submit: true, requestId: draft.id });
	expect(sent).toMatchObject({ ok: true, status: 'submitted' });
	return draft.id;
}

beforeAll(async () => {
	db = await freshDatabase();
	files = await tempFileStore();
	ctx = { pii, store: files.store, origin: 'https://rukun.test' };
	rw = await makeRw(db, 2, 2);
	otherRw = await makeRw(db, 1, 1);
	await seedCatalogue(db, rw);
	await seedCatalogue(db, otherRw);
	resident = await makeMember(db, rw, 'resident', { houseId: rw.houses[0]!.id, name: 'Siti Rahmawati' });
	neighbour = await makeMember(db, rw, 'resident', { houseId: rw.houses[1]!.id, name: 'Tetangga' });
	head1 = await makeMember(db, rw, 'rt_head', { rtIndex: 0, name: 'Bambang Sutrisno' });
	head2 = await makeMember(db, rw, 'rt_head', { rtIndex: 1, name: 'Ketua RT Dua' });
	admin = await makeMember(db, rw, 'rw_admin', { name: 'Hendra Wijaya' });
	otherAdmin = await makeMember(db, otherRw, 'rw_admin');
	household = await makeHousehold(db, pii, rw, rw.houses[0]!.id, [{ name: 'Siti Rahmawati', sex: 'P' }, { name: 'Rizky' }], resident.id);
	await makeHousehold(db, pii, rw, rw.houses[1]!.id, [{ name: 'Tetangga' }], neighbour.id);
});
afterAll(async () => {
	await db?.close();
	await files?.cleanup();
});
afterEach(() => {
	vi.useRealTimers();
});

describe('catalogue', () => {
	it('is seeded from layanan.json: 17 services, fees stated, in-person and external ones marked', async () => {
		const services = await listServices(db, rw.id);
		expect(services).toHaveLength(17);
		expect(services.filter((s) => s.mode === 'online')).toHaveLength(13);
		expect(services.every((s) => s.fee_rp === 0)).toBe(true);
		const waris = services.find((s) => s.kind === 'SK-WARIS')!;
		expect(waris.mode).toBe('tatap_muka');
		expect(waris.in_person_reason).toMatch(/ahli waris/);
		expect(services.find((s) => s.kind === 'LINK-OSS')!.external_url).toBe('https://oss.go.id');
		const dom = services.find((s) => s.kind === 'SK-DOM')!;
		expect(dom.requirements.length).toBeGreaterThan(0);
		expect(dom.legal_basis.length).toBeGreaterThan(0);
		expect(dom.fields.map((f) => f.key)).toContain('keperluan');
	});
});

describe('request → RT → RW', () => {
	it('runs the whole chain with a return and a fix, numbers the letter and issues a verifiable PDF', async () => {
		const id = await submittedRequest('Melamar kerja <b>{{nik}}</b> 100%');
		// Submitting again or approving out of order is refused.
		expect(await decide(db, admin, { requestId: id, stage: 'rw', decision: 'approve' }, ctx)).toEqual({ ok: false, reason: 'conflict' });
		// A head of another RT neither sees nor decides it.
		expect(await getRequest(db, head2, id)).toBeNull();
		expect(await decide(db, head2, { requestId: id, stage: 'rt', decision: 'approve' }, ctx)).toEqual({ ok: false, reason: 'not_found' });
		expect((await listQueue(db, head2, 'rt', 'waiting')).map((r) => r.id)).not.toContain(id);
		expect((await listQueue(db, head1, 'rt', 'waiting')).map((r) => r.id)).toContain(id);

		// RT returns it; the resident sees the reason, fixes and resubmits.
		expect(await decide(db, head1, { requestId: id, stage: 'rt', decision: 'return', note: 'Foto KTP buram' }, ctx)).toMatchObject({ ok: true, status: 'returned' });
		const returned = (await getRequest(db, resident, id))!;
		expect(returned.status).toBe('returned');
		expect(returned.reason).toBe('Foto KTP buram');
		const fixed = await saveRequest(db, resident, { kind: 'SK-DOM', subjectId: household.residentIds[0]!, data: { keperluan: 'Melamar kerja <b>{{nik}}</b> 100%' }, submit: true, requestId: id });
		expect(fixed).toMatchObject({ ok: true, status: 'submitted' });

		expect(await decide(db, head1, { requestId: id, stage: 'rt', decision: 'approve' }, ctx)).toMatchObject({ ok: true, status: 'rt_approved' });
		expect(await decide(db, head1, { requestId: id, stage: 'rt', decision: 'approve' }, ctx)).toEqual({ ok: false, reason: 'conflict' });
		const issued = await decide(db, admin, { requestId: id, stage: 'rw', decision: 'approve' }, ctx);
		expect(issued.ok).toBe(true);
		const year = new Date(Date.now() + 7 * 3600_000).getUTCFullYear();
		expect(issued.ok && issued.number).toMatch(new RegExp(`^001/SK-DOM/${rw.code}/[IVX]+/${year}$`));
		expect(await decide(db, admin, { requestId: id, stage: 'rw', decision: 'approve' }, ctx)).toEqual({ ok: false, reason: 'conflict' });

		const detail = (await getRequest(db, resident, id))!;
		expect(detail.status).toBe('issued');
		expect(detail.events.map((e) => e.action)).toEqual(['created', 'submitted', 'returned', 'resubmitted', 'rt_approved', 'issued']);
		expect(detail.events.find((e) => e.action === 'returned')).toMatchObject({ actor_name: 'Bambang Sutrisno', actor_role: 'rt_head' });
		const letter = detail.letter!;

		// The PDF is exactly the one whose hash was stored, and says what it should.
		const pdf = (await downloadLetter(db, files.store, pii, resident, id, '127.0.0.1'))!;
		expect(sha256Hex(pdf.bytes)).toBe(letter.pdf_sha256);
		const text = await pdfText(pdf.bytes);
		expect(text).toContain(letter.number);
		expect(text).toContain('Siti Rahmawati');
		expect(text).toContain(household.niks[0]!); // the letter itself carries the full NIK
		expect(text).toContain('Hendra Wijaya');
		expect(text).toContain('Bambang Sutrisno');
		expect(text).toContain('<b>{{nik}}</b> 100%'); // template values stay text, one pass only
		expect(await qrOnFirstPage(pdf.bytes)).toBe(`https://rukun.test/v/${letter.verify_token}`);
		// The stored copy is sealed: the file on disk does not contain the NIK.
		const sealed = await db.query<{ pdf_file_key: string }>('select pdf_file_key from letter where id = $1', [letter.id]);
		const raw = Buffer.from((await files.store.get(sealed[0]!.pdf_file_key))!.bytes);
		expect(raw.includes(Buffer.from(household.niks[0]!))).toBe(false);
		// Every download is an access to the NIK, and logged.
		const log = await db.query<{ reason: string }>('select reason from pii_access_log where actor_id = $1', [resident.id]);
		expect(log.map((l) => l.reason)).toContain(`Unduh surat ${letter.number}`);

		// The public verification page shows the facts, the NIK masked, nothing else.
		const verification = (await verifyLetter(db, letter.verify_token))!;
		expect(verification).toMatchObject({ number: letter.number, holder_name: 'Siti Rahmawati', signer_name: 'Hendra Wijaya', pdf_sha256: letter.pdf_sha256, cancelled_at: null });
		expect(verification.holder_nik_masked).toContain('•');
		expect(JSON.stringify(verification)).not.toContain(household.niks[0]!);
		expect(await verifyLetter(db, 'x'.repeat(24))).toBeNull();

		// Notifications: the resident heard of every step.
		const kinds = (await listNotifications(db, resident)).map((n) => n.kind);
		expect(kinds).toEqual(expect.arrayContaining(['letter.returned', 'letter.rt_approved', 'letter.issued']));
		expect((await listNotifications(db, head1)).map((n) => n.kind)).toContain('letter.submitted');
		expect((await listNotifications(db, admin)).map((n) => n.kind)).toContain('letter.waiting_rw');

		// Cancelling keeps the number and shows on the verify page; the download is watermarked.
		expect(await cancelLetter(db, admin, id, 'Data pemohon keliru')).toBe('ok');
		expect(await cancelLetter(db, admin, id, 'Data pemohon keliru')).toBe('conflict');
		const cancelled = (await verifyLetter(db, letter.verify_token))!;
		expect(cancelled.number).toBe(letter.number);
		expect(cancelled.cancelled_at).not.toBeNull();
		const watermarked = (await downloadLetter(db, files.store, pii, resident, id, '127.0.0.1'))!;
		expect((await pdfText(watermarked.bytes, '-raw')).replace(/\s+/g, '')).toContain('DIBATALKAN');
	});

	it('keeps requests private: neighbours, other RTs and other RWs see nothing', async () => {
		const id = await submittedRequest();
		expect(await getRequest(db, neighbour, id)).toBeNull();
		expect(await getRequest(db, otherAdmin, id)).toBeNull();
		expect(await decide(db, otherAdmin, { requestId: id, stage: 'rw', decision: 'reject', note: 'bukan warga kami' }, ctx)).toEqual({ ok: false, reason: 'not_found' });
		expect(await getRequest(db, admin, id)).not.toBeNull();
		// A resident cannot ask a letter for someone outside their household.
		const foreign = await db.query<{ id: string }>('select id from resident where name = $1', ['Tetangga']);
		expect(await saveRequest(db, resident, { kind: 'SK-DOM', subjectId: foreign[0]!.id, data: { keperluan: 'x' }, submit: false })).toEqual({ ok: false, reason: 'no_subject' });
		// A resident does not decide.
		expect(await decide(db, resident, { requestId: id, stage: 'rt', decision: 'approve' }, ctx)).toEqual({ ok: false, reason: 'forbidden' });
		expect(await withdrawRequest(db, neighbour, id)).toBe('not_found');
	});

	it('refuses to submit without an attachment and refuses files once submitted', async () => {
		const draft = await saveRequest(db, resident, { kind: 'SK-USAHA', subjectId: household.residentIds[0]!, data: { nama_usaha: 'Warung Siti' }, submit: false });
		expect(draft.ok).toBe(true);
		const id = draft.ok ? draft.id : '';
		const data = { nama_usaha: 'Warung Siti', jenis_usaha: 'Warung makan', alamat_usaha: 'Blok A No. 1', keperluan: 'Pinjaman modal' };
		expect(await saveRequest(db, resident, { kind: 'SK-USAHA', subjectId: household.residentIds[0]!, data, submit: true, requestId: id })).toEqual({ ok: false, reason: 'needs_attachment' });
		const accepted = await acceptUpload({ bytes: await photo(), name: 'warung.jpg' });
		if (!accepted.ok) throw new Error(accepted.problem);
		await addAttachment(db, files.store, resident, id, accepted.file, 'Foto usaha');
		expect(await saveRequest(db, resident, { kind: 'SK-USAHA', subjectId: household.residentIds[0]!, data, submit: true, requestId: id })).toMatchObject({ ok: true });
		expect(await addAttachment(db, files.store, resident, id, accepted.file, 'lagi')).toEqual({ ok: false, reason: 'not_editable' });
		// In-person services take no online requests.
		expect(await saveRequest(db, resident, { kind: 'SK-WARIS', subjectId: household.residentIds[0]!, data: {}, submit: false })).toEqual({ ok: false, reason: 'not_online' });
	});
});

describe('rejecting and the catalogue', () => {
	it('rejects with a reason the resident sees; a rejected request is final', async () => {
		expect(decisionSchema.safeParse({ decision: 'reject', note: '' }).success).toBe(false);
		const id = await submittedRequest('Ditolak');
		expect(await decide(db, head1, { requestId: id, stage: 'rt', decision: 'reject', note: 'Bukan warga RT 001' }, ctx)).toEqual({ ok: true, status: 'rejected', number: undefined });
		const seen = (await getRequest(db, resident, id))!;
		expect(seen).toMatchObject({ status: 'rejected', reason: 'Bukan warga RT 001' });
		expect(seen.events.at(-1)).toMatchObject({ action: 'rejected', actor_role: 'rt_head', note: 'Bukan warga RT 001' });
		expect((await listNotifications(db, resident)).find((n) => n.kind === 'letter.rejected' && n.link === `/surat/${id}`)?.params).toMatchObject({ note: 'Bukan warga RT 001' });
		// Nobody takes it further: not the RT again, not the RW, not the resident by resubmitting.
		expect(await decide(db, head1, { requestId: id, stage: 'rt', decision: 'approve' }, ctx)).toEqual({ ok: false, reason: 'conflict' });
		expect(await decide(db, admin, { requestId: id, stage: 'rw', decision: 'approve' }, ctx)).toEqual({ ok: false, reason: 'conflict' });
		expect(await saveRequest(db, resident, { kind: 'SK-DOM', subjectId: household.residentIds[0]!, data: { keperluan: 'Lagi' }, submit: true, requestId: id })).toEqual({ ok: false, reason: 'not_editable' });
		// The RW admin rejects at its own step the same way.
		const second = await submittedRequest('Ditolak RW');
		await decide(db, head1, { requestId: second, stage: 'rt', decision: 'approve' }, ctx);
		expect(await decide(db, admin, { requestId: second, stage: 'rw', decision: 'reject', note: 'Data tidak sesuai' }, ctx)).toMatchObject({ ok: true, status: 'rejected' });
		expect((await getRequest(db, resident, second))!.reason).toBe('Data tidak sesuai');
	});

	it('lets the RW admin edit a service and add one; the public catalogue follows, another RW cannot', async () => {
		const original = (await listServices(db, rw.id)).find((s) => s.kind === 'SP-KERAMAIAN')!;
		const input: ServiceInput = Object.fromEntries(Object.entries(original).filter(([key]) => key !== 'id' && key !== 'kind')) as ServiceInput;
		const edited = { ...input, requirements: ['KTP-el', 'Surat pengantar RT'], days: 2, template: 'Yang bertanda tangan menerangkan bahwa {{nama}} untuk {{keperluan}}.' };
		expect(await updateService(db, admin, 'SP-KERAMAIAN', edited)).toBe(true);
		expect(await getPublicService(db, rw.id, 'SP-KERAMAIAN')).toMatchObject({ requirements: ['KTP-el', 'Surat pengantar RT'], days: 2, template: edited.template });
		// Another RW's admin (even claiming this RW) or an RT head changes nothing (RLS).
		expect(await updateService(db, { ...otherAdmin, rwId: rw.id }, 'SP-KERAMAIAN', { ...edited, name: 'Diubah RW lain' })).toBe(false);
		expect(await updateService(db, head1, 'SP-KERAMAIAN', { ...edited, name: 'Diubah RT' })).toBe(false);
		expect((await getPublicService(db, rw.id, 'SP-KERAMAIAN'))!.name).toBe(original.name);
		// Switched off: gone from the public catalogue, and no request can be made for it.
		expect(await updateService(db, admin, 'SP-KERAMAIAN', { ...edited, active: false })).toBe(true);
		expect((await listServices(db, rw.id)).map((s) => s.kind)).not.toContain('SP-KERAMAIAN');
		expect((await listServices(db, rw.id, { includeInactive: true })).map((s) => s.kind)).toContain('SP-KERAMAIAN');
		expect(await saveRequest(db, resident, { kind: 'SP-KERAMAIAN', subjectId: household.residentIds[0]!, data: {}, submit: false })).toEqual({ ok: false, reason: 'no_service' });
		// A service of the RW's own, once per kind code.
		expect(await createService(db, admin, 'SK-RONDA', { ...edited, name: 'Surat Keterangan Ronda', active: true })).toBe('ok');
		expect(await createService(db, admin, 'SK-RONDA', { ...edited, name: 'Dua kali' })).toBe('exists');
		expect((await listServices(db, rw.id)).find((s) => s.kind === 'SK-RONDA')).toMatchObject({ name: 'Surat Keterangan Ronda' });
		expect(await listServices(db, otherRw.id)).not.toContainEqual(expect.objectContaining({ kind: 'SK-RONDA' }));
		const audited = await db.query<{ action: string; target: string }>(`select action, target from audit_log where rw_id = $1 and action like 'letters.service.%' order by id`, [rw.id]);
		expect(audited).toEqual([
			{ action: 'letters.service.update', target: 'SP-KERAMAIAN' },
			{ action: 'letters.service.update', target: 'SP-KERAMAIAN' },
			{ action: 'letters.service.create', target: 'SK-RONDA' }
		]);
	});
});

describe('numbering register', () => {
	/** Requests already approved by the RT, written as the system, ready for the RW. */
	async function approvedRequests(kind: string, n: number): Promise<string[]> {
		const rows = await db.query<{ id: string }>(
			`insert into letter_request (rw_id, rt_id, service_id, requester_id, subject_resident_id, status, data, submitted_at)
			 select $1, $2, (select id from letter_service where rw_id = $1 and kind = $3), $4, $5, 'rt_approved', '{"keperluan":"Uji"}', now()
			   from generate_series(1, $6) returning id`,
			[rw.id, rw.rts[0]!.id, kind, resident.id, household.residentIds[0], n]
		);
		return rows.map((r) => r.id);
	}
	const seqOf = (number: string) => Number(number.split('/')[0]);

	it('gives 50 parallel approvals exactly the numbers 1..50', async () => {
		const ids = await approvedRequests('SK-TM', 50);
		const results = await Promise.all(ids.map((id) => decide(db, admin, { requestId: id, stage: 'rw', decision: 'approve' }, ctx)));
		const seqs = results.map((r) => (r.ok ? seqOf(r.number!) : -1)).sort((a, b) => a - b);
		expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
		const stored = await db.query<{ n: number; max: number }>(`select count(distinct number)::int as n, max(seq) as max from letter where rw_id = $1 and kind = 'SK-TM'`, [rw.id]);
		expect(stored[0]).toEqual({ n: 50, max: 50 });
	});

	it('numbers approvals that race for the register from apart (as two app instances on one database) 1..n, retrying the one that read an old number', async () => {
		const ids = await approvedRequests('SK-USAHA', 8);
		// Each copy of the handle is a database of its own to the letters service, so its
		// decisions do not wait for each other's turn in this process: all read the
		// register's number, the first write takes it and the others are rolled back and decided again.
		const results = await Promise.all(ids.map((id) => decide({ ...db }, admin, { requestId: id, stage: 'rw', decision: 'approve' }, ctx)));
		expect(results.map((r) => (r.ok ? seqOf(r.number!) : -1)).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
		const events = await db.query<{ n: number }>(
			`select count(*)::int as n from letter_event e join letter_request q on q.id = e.request_id
			  join letter_service s on s.id = q.service_id where s.kind = 'SK-USAHA' and e.action = 'issued'`
		);
		expect(events[0]!.n).toBe(8);
	});

	it('takes one of two decisions on one request made at once from apart, and refuses the other', async () => {
		const [id] = await approvedRequests('SK-WARIS', 1);
		const [approve, reject] = await Promise.all([
			decide({ ...db }, admin, { requestId: id!, stage: 'rw', decision: 'approve' }, ctx),
			decide({ ...db }, admin, { requestId: id!, stage: 'rw', decision: 'reject', note: 'Berkas kurang' }, ctx)
		]);
		expect([approve, reject].filter((r) => r.ok)).toHaveLength(1);
		expect([approve, reject].filter((r) => !r.ok)).toEqual([{ ok: false, reason: 'conflict' }]);
		const events = await db.query<{ action: string }>(`select action from letter_event where request_id = $1 and action in ('issued', 'rejected')`, [id]);
		const status = (await db.query<{ status: string }>('select status from letter_request where id = $1', [id]))[0]!.status;
		expect(events.map((e) => e.action)).toEqual([status]);
		expect(await db.query('select 1 from letter where request_id = $1', [id])).toHaveLength(status === 'issued' ? 1 : 0);
	});

	it('starts a new register at the WIB new year, not the UTC one', async () => {
		const [a, b, c] = await approvedRequests('SK-BM', 3);
		const before = await decide(db, admin, { requestId: a!, stage: 'rw', decision: 'approve' }, { ...ctx, now: new Date('2030-12-31T16:59:00Z') }); // 23:59 WIB
		const after = await decide(db, admin, { requestId: b!, stage: 'rw', decision: 'approve' }, { ...ctx, now: new Date('2030-12-31T17:00:00Z') }); // 00:00 WIB 1 Jan 2031
		const next = await decide(db, admin, { requestId: c!, stage: 'rw', decision: 'approve' }, { ...ctx, now: new Date('2031-01-02T03:00:00Z') });
		expect(before.ok && before.number).toBe(`001/SK-BM/${rw.code}/XII/2030`);
		expect(after.ok && after.number).toBe(`001/SK-BM/${rw.code}/I/2031`);
		expect(next.ok && next.number).toBe(`002/SK-BM/${rw.code}/I/2031`);
	});

	it('numbers a letter whose PDF cannot be stored, and seals it later from its frozen data', async () => {
		const [a, b, c] = await approvedRequests('SP-SKCK', 3);
		// The PDF is rendered and stored after the numbering transaction: a store that fails
		// leaves the letter issued and numbered, without a PDF yet.
		const broken: IssueContext = { ...ctx, store: { ...files.store, put: () => Promise.reject(new Error('disk full')), get: files.store.get.bind(files.store), delete: files.store.delete.bind(files.store) } };
		const first = await decide(db, admin, { requestId: a!, stage: 'rw', decision: 'approve' }, broken);
		const second = await decide(db, admin, { requestId: b!, stage: 'rw', decision: 'approve' }, broken);
		expect([first.ok && seqOf(first.number!), second.ok && seqOf(second.number!)]).toEqual([1, 2]);
		const unsealed = () => db.query<{ request_id: string }>(`select request_id from letter where rw_id = $1 and kind = 'SP-SKCK' and pdf_sha256 is null order by seq`, [rw.id]);
		expect((await unsealed()).map((l) => l.request_id)).toEqual([a, b]);
		// Its first download seals it: the bytes are the ones whose hash is stored.
		const downloaded = await downloadLetter(db, files.store, pii, resident, a!, '127.0.0.1');
		const [sealedA] = await db.query<{ pdf_sha256: string }>('select pdf_sha256 from letter where request_id = $1', [a]);
		expect(sha256Hex(downloaded!.bytes)).toBe(sealedA!.pdf_sha256);
		// The next start seals the rest; numbering went on without a gap.
		expect(await sealPendingLetters(db, ctx)).toBe(1);
		expect(await unsealed()).toEqual([]);
		const again = await downloadLetter(db, files.store, pii, resident, b!, '127.0.0.1');
		const [sealedB] = await db.query<{ pdf_sha256: string }>('select pdf_sha256 from letter where request_id = $1', [b]);
		expect(sha256Hex(again!.bytes)).toBe(sealedB!.pdf_sha256);
		const third = await decide(db, admin, { requestId: c!, stage: 'rw', decision: 'approve' }, ctx);
		expect(third.ok && seqOf(third.number!)).toBe(3);
	});
});

describe('after issue', () => {
	it('books pick-up slots within capacity, and takes one survey per letter', async () => {
		await db.query(`update letter_settings set per_slot = 1, slot_minutes = 60, office_hours = '[{"weekday":1,"start":"08:00","end":"10:00"},{"weekday":2,"start":"08:00","end":"10:00"},{"weekday":3,"start":"08:00","end":"10:00"},{"weekday":4,"start":"08:00","end":"10:00"},{"weekday":5,"start":"08:00","end":"10:00"},{"weekday":6,"start":"08:00","end":"10:00"},{"weekday":7,"start":"08:00","end":"10:00"}]' where rw_id = $1`, [rw.id]);
		const first = await submittedRequest();
		const second = await submittedRequest();
		for (const id of [first, second]) {
			await decide(db, head1, { requestId: id, stage: 'rt', decision: 'approve' }, ctx);
			await decide(db, admin, { requestId: id, stage: 'rw', decision: 'approve' }, ctx);
		}
		const slots = await openSlots(db, resident);
		expect(slots.length).toBeGreaterThan(0);
		const slot = new Date(slots[0]!.start);
		expect(await bookPickup(db, resident, first, slot)).toBe('ok');
		expect(await bookPickup(db, resident, second, slot)).toBe('full');
		expect(await bookPickup(db, resident, second, new Date(slot.getTime() + 60_000))).toBe('bad_slot');
		expect(await bookPickup(db, neighbour, second, slot)).toBe('not_found');
		expect((await openSlots(db, resident)).map((s) => s.start)).not.toContain(slots[0]!.start);

		expect(await submitSurvey(db, resident, first, [4, 4, 3, 4, 4, 3, 4, 4, 3], 'Cepat')).toBe('ok');
		expect(await submitSurvey(db, resident, first, [1, 1, 1, 1, 1, 1, 1, 1, 1], '')).toBe('conflict');
		expect(await submitSurvey(db, neighbour, second, [4, 4, 4, 4, 4, 4, 4, 4, 4], '')).toBe('not_found');
		const report = await surveyReport(db, admin);
		const row = report.rows.find((r) => r.service === 'Surat Keterangan Domisili')!;
		expect(row.responses).toBe(1);
		expect(row.index).toBeCloseTo((33 / 9) * 25, 2);
		expect(row.grade).toBe('A');
		expect(report.comments.map((c) => c.comment)).toContain('Cepat');
	});

	it('counts requests per service and RT and the median time to finish', async () => {
		const before = await letterStats(db, admin);
		const totalOf = (stats: typeof before) => stats.byService.find((s) => s.name === 'Surat Keterangan Domisili')?.total ?? 0;
		const rtOf = (stats: typeof before) => stats.byRt.find((r) => r.rt_number === 1)?.total ?? 0;
		const issuedOf = (stats: typeof before) => stats.medianHours.find((m) => m.name === 'Surat Keterangan Domisili')?.issued ?? 0;
		// Two requests of its own: one issued, one still waiting for the RT.
		const [issued, waiting] = [await submittedRequest('Statistik 1'), await submittedRequest('Statistik 2')];
		expect(await decide(db, head1, { requestId: issued, stage: 'rt', decision: 'approve' }, ctx)).toMatchObject({ ok: true });
		expect(await decide(db, admin, { requestId: issued, stage: 'rw', decision: 'approve' }, ctx)).toMatchObject({ ok: true });
		expect(waiting).not.toBe(issued);

		const stats = await letterStats(db, admin);
		expect(stats.months).toHaveLength(12);
		expect(totalOf(stats)).toBe(totalOf(before) + 2);
		expect(rtOf(stats)).toBe(rtOf(before) + 2);
		const median = stats.medianHours.find((m) => m.name === 'Surat Keterangan Domisili')!;
		expect(median.issued).toBe(issuedOf(before) + 1);
		expect(median.hours).not.toBeNull();
		// Another RW's admin sees none of it.
		expect((await letterStats(db, otherAdmin)).byService).toEqual([]);
	});
});

describe('letters that attest a registry event', () => {
	it('show the RT head and RW admin the recorded death, and flag a different date', async () => {
		fixClock(); // the dates below are days before it
		const rizky = household.residentIds[1]!;
		const data = { tanggal_meninggal: '2026-11-03', tempat_meninggal: 'RSUD Koja', sebab_meninggal: 'Sakit', keperluan: 'Akta kematian' };
		const draft = await saveRequest(db, resident, { kind: 'SK-MATI', subjectId: rizky, data, submit: false });
		if (!draft.ok) throw new Error(draft.reason);
		const accepted = await acceptUpload({ bytes: await photo(), name: 'surat-rs.jpg' });
		if (!accepted.ok) throw new Error(accepted.problem);
		expect((await addAttachment(db, files.store, resident, draft.id, accepted.file, 'Surat keterangan RS')).ok).toBe(true);
		expect(await saveRequest(db, resident, { kind: 'SK-MATI', subjectId: rizky, data, submit: true, requestId: draft.id })).toMatchObject({ ok: true });
		const asHead = async () => mutationReferenceFor(db, head1, (await getRequest(db, head1, draft.id))!);

		// Nothing recorded yet: the RT head is told so.
		expect(await asHead()).toEqual({ kind: 'died', recorded: null, dateMismatch: null });

		expect((await recordMutation(db, head1, { residentId: rizky, kind: 'died', occurredOn: '2026-11-02', note: 'Surat RS Koja' })).ok).toBe(true);
		const reference = await asHead();
		expect(reference?.recorded).toMatchObject({ kind: 'died', occurred_on: '2026-11-02', note: 'Surat RS Koja', recorded_by_name: 'Bambang Sutrisno' });
		expect(reference?.dateMismatch).toEqual({ requested: '2026-11-03', recorded: '2026-11-02' });
		expect((await mutationReferenceFor(db, admin, (await getRequest(db, admin, draft.id))!))?.recorded?.occurred_on).toBe('2026-11-02');

		// A domicile letter attests no registry event.
		const domicile = await submittedRequest('Bank');
		expect(await mutationReferenceFor(db, head1, (await getRequest(db, head1, domicile))!)).toBeNull();
	});
});

