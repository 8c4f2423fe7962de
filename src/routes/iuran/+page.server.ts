import { pageParam } from '$lib/domain/dues';
import { proofSchema } from '$lib/schemas/dues';
import { parseForm } from '$lib/schemas/form';
import { submitProof } from '$lib/server/dues/proofs';
import { getSettings } from '$lib/server/dues/setup';
import { residentDues } from '$lib/server/dues/views';
import { getRuntime } from '$lib/server/runtime';
import { refuse, typedValues } from '$lib/web/action-result.server';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	// `?hal=`: a page of older months (docs/dues.md, "Resident page").
	const page = pageParam(url.searchParams.get('hal'));
	// A resident's house and the pay instructions in one read (docs/dues.md, "Resident page"); without a house, the instructions alone.
	const dues = await locals.db.run(residentDues, new Date(), page);
	if (dues) {
		const { pay, ...mine } = dues;
		return { dues: mine, settings: pay };
	}
	const { bankName, bankAccount, bankHolder, hasQris } = await locals.db.run(getSettings);
	return { dues, settings: { bankName, bankAccount, bankHolder, hasQris } };
};

const PROBLEM_FIELD = { not_your_house: 'houseId', duplicate: 'proof', forbidden: 'houseId' } as const;

export const actions: Actions = {
	proof: async ({ locals, request }) => {
		const form = await request.formData();
		const values = typedValues(form);
		const parsed = parseForm(proofSchema, form);
		const file = form.get('proof');
		const hasFile = file instanceof File && file.size > 0;
		if (!parsed.ok || !hasFile) {
			const errors = parsed.ok ? {} : parsed.errors;
			if (!hasFile) errors.proof = 'dues.proof_required';
			return refuse(400, { form: 'proof', errors, values });
		}
		const result = await locals.db.run(submitProof, getRuntime().files, parsed.data, { bytes: new Uint8Array(await file.arrayBuffer()), name: file.name });
		if (result.ok) return { form: 'proof', done: 'dues.proof_sent' };
		if (result.reason === 'upload') return refuse(400, { form: 'proof', errors: { proof: result.problem }, values });
		const status = result.reason === 'duplicate' ? 409 : 403;
		return refuse(status, { form: 'proof', errors: { [PROBLEM_FIELD[result.reason]]: `dues.refused.${result.reason}` }, values });
	}
};
