import { approveSchema, rejectSchema } from '$lib/schemas/dues';
import { parseForm } from '$lib/schemas/form';
import { approveProof, rejectProof } from '$lib/server/dues/proofs';
import { verificationQueue } from '$lib/server/dues/views';
import { refuse, typedValues } from '$lib/web/action-result.server';
import { refuseMoney } from '$lib/web/dues/refusal.server';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => ({ queue: await locals.db.run(verificationQueue) });

export const actions: Actions = {
	approve: async ({ locals, request }) => {
		const form = await request.formData();
		const parsed = parseForm(approveSchema, form);
		if (!parsed.ok) return refuse(400, { errors: parsed.errors, values: parsed.values });
		const result = await locals.db.run(approveProof, parsed.data, new Date());
		if (!result.ok) return refuseMoney(parsed.data.proofId, result.reason, typedValues(form));
		return { form: parsed.data.proofId, done: 'dues.approved', receipt: result.value.receiptNumber };
	},
	reject: async ({ locals, request }) => {
		const form = await request.formData();
		const parsed = parseForm(rejectSchema, form);
		if (!parsed.ok) return refuse(400, { form: String(form.get('proofId') ?? ''), errors: parsed.errors, values: parsed.values });
		const result = await locals.db.run(rejectProof, parsed.data, new Date());
		if (!result.ok) return refuseMoney(parsed.data.proofId, result.reason, typedValues(form));
		return { form: parsed.data.proofId, done: 'dues.rejected' };
	}
};
