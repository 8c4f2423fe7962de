import { checkOrCommit, loadUpload, suggestMapping } from '$lib/web/registry/import-actions.server';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
	const upload = await loadUpload(event, event.params.upload);
	// Gone: expired, or already imported (the file is deleted once its rows are written).
	if (!upload) return { expired: true as const, name: '', headers: [], preview: [], rowCount: 0, warnings: [], warningCount: 0, suggested: {} };
	const { sheet } = upload;
	return {
		expired: false as const,
		name: upload.name,
		headers: sheet.headers,
		preview: sheet.rows.slice(0, 5),
		rowCount: sheet.rows.length,
		warnings: sheet.warnings.slice(0, 50),
		warningCount: sheet.warnings.length,
		suggested: suggestMapping(sheet.headers, sheet.rows)
	};
};

export const actions: Actions = {
	check: (event) => checkOrCommit(event, event.params.upload, false),
	commit: (event) => checkOrCommit(event, event.params.upload, true)
};
