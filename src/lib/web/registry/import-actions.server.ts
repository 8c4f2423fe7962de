import { redirect, type RequestEvent } from '@sveltejs/kit';
import { getRuntime } from '$lib/server/runtime';
import { deleteTemp, getTemp, putTemp, TEMP_KINDS } from '$lib/server/storage/temp-files';
import { IMPORT_FIELDS, missingRequired, suggestMapping, type Mapping } from '$lib/server/registry/column-mapping';
import { dryRun, rowsFromSheet } from '$lib/server/registry/registration';
import { startImportJob } from '$lib/server/registry/import-jobs';
import { MAX_BYTES, readSpreadsheet, type Sheet } from '$lib/server/registry/spreadsheet';
import { Recent } from '$lib/server/recent';
import { refuse } from '$lib/web/action-result.server';

const KIND = TEMP_KINDS.registryImport;

/**
 * Sheets parsed at upload, for the mapping, dry-run and commit steps that follow: a
 * 50,000-row XLSX takes seconds and hundreds of MB to parse, which each step would
 * otherwise redo. Keyed by upload and owner; a restart or an old entry just parses again.
 */
const parsed = new Recent<Sheet>(2, 15 * 60_000);
const parsedKey = (id: string, owner: string) => `${owner}:${id}`;

/** Uploads are kept encrypted with the NIK/KK key (they hold full numbers). */
function tempStore() {
	const { config, pii } = getRuntime();
	return { dataDir: config.dataDir, keys: pii };
}

/** Step 1: the upload, checked by content and size before it is kept. */
export async function uploadAction(event: RequestEvent) {
	const user = event.locals.db.user;
	const file = (await event.request.formData()).get('file');
	if (!(file instanceof File) || file.size === 0) return refuse(400, { message: 'errors.file_required' });
	if (file.size > MAX_BYTES) return refuse(413, { message: 'errors.file_too_large' });
	const bytes = new Uint8Array(await file.arrayBuffer());
	const read = await readSpreadsheet(bytes);
	if (!read.ok) return refuse(400, { message: `errors.file_${read.error}` });
	const id = await putTemp(tempStore(), KIND, user.id, file.name, bytes);
	parsed.set(parsedKey(id, user.id), read.sheet);
	redirect(303, `/registry/import/${id}`);
}

/** The uploaded sheet of this user, read again (never trusted from the client). */
export async function loadUpload(event: RequestEvent, id: string) {
	const owner = event.locals.db.user.id;
	const temp = await getTemp(tempStore(), KIND, id, owner);
	if (!temp) return null;
	const known = parsed.get(parsedKey(id, owner));
	if (known) return { name: temp.meta.name, sheet: known };
	const read = await readSpreadsheet(temp.bytes);
	if (!read.ok) return null;
	parsed.set(parsedKey(id, owner), read.sheet);
	return { name: temp.meta.name, sheet: read.sheet };
}

function mappingFrom(form: FormData, columns: number): Mapping {
	const mapping: Mapping = {};
	for (const field of IMPORT_FIELDS) {
		const raw = form.get(`map_${field}`);
		const column = typeof raw === 'string' && raw !== '' ? Number(raw) : NaN;
		if (Number.isInteger(column) && column >= 0 && column < columns) mapping[field] = column;
	}
	return mapping;
}

export { suggestMapping };

/** Step 2 and 3: dry run (check every row) or commit (check again, then write all or nothing). */
export async function checkOrCommit(event: RequestEvent, id: string, commit: boolean) {
	const upload = await loadUpload(event, id);
	if (!upload) return refuse(410, { message: 'import.expired' });
	const mapping = mappingFrom(await event.request.formData(), upload.sheet.headers.length);
	const missing = missingRequired(mapping);
	if (missing.length > 0) return refuse(400, {}, { mapping, missing });
	const rows = rowsFromSheet(upload.sheet, mapping);
	const { db, pii, config } = getRuntime();
	const user = event.locals.db.user;
	if (!commit) {
		const plan = await dryRun(db, pii, user, rows);
		return { mapping, checked: { rows: rows.length, valid: plan.rows.length, households: plan.newHouseholds, errors: plan.errors.slice(0, 500), errorCount: plan.errors.length } };
	}
	// The upload goes once its rows are written; after a refusal or a failure it stays.
	const job = startImportJob(db, pii, user, rows, () => {
		parsed.delete(parsedKey(id, user.id));
		return deleteTemp(config.dataDir, KIND, id);
	});
	return { mapping, job };
}
