import { monthOf } from '$lib/domain/dues';
import { endExemptionSchema, exemptionSchema, generateSchema, settingsSchema, tariffComponents, tariffSchema } from '$lib/schemas/dues';
import { parseForm } from '$lib/schemas/form';
import { generateMonth } from '$lib/server/dues/generate';
import { addExemption, addTariff, endExemption, getSettings, listExemptions, listTariffs, saveSettings } from '$lib/server/dues/setup';
import { houseOptions } from '$lib/server/dues/views';
import { getRuntime } from '$lib/server/runtime';
import { acceptUpload } from '$lib/server/storage/uploads';
import { listRtSummaries } from '$lib/server/tenancy/rw';
import { refuse, typedValues } from '$lib/web/action-result.server';
import { refuseMoney } from '$lib/web/dues/refusal.server';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const [settings, tariffs, rts, houses, exemptions] = await Promise.all([
		locals.db.run(getSettings),
		locals.db.run(listTariffs),
		locals.db.run(listRtSummaries),
		locals.db.run(houseOptions),
		locals.db.run(listExemptions)
	]);
	return { settings, tariffs, exemptions, rts: rts.map(({ id, number }) => ({ id, number })), houses: houses.map(({ id, label }) => ({ id, label })), month: monthOf(new Date()) };
};

export const actions: Actions = {
	generate: async ({ locals, request }) => {
		const form = await request.formData();
		const parsed = parseForm(generateSchema, form);
		if (!parsed.ok) return refuse(400, { form: 'generate', errors: parsed.errors, values: parsed.values });
		const result = await locals.db.run(generateMonth, parsed.data.month, new Date());
		if (!result.ok) return refuse(result.reason === 'forbidden' ? 403 : 400, { form: 'generate', errors: { month: `dues.refused.${result.reason}` }, values: typedValues(form) });
		return { form: 'generate', done: 'dues.generated', created: result.created };
	},
	tariff: async ({ locals, request }) => {
		const form = await request.formData();
		const parsed = parseForm(tariffSchema, form);
		if (!parsed.ok) return refuse(400, { form: 'tariff', errors: parsed.errors, values: parsed.values });
		const components = tariffComponents(parsed.data);
		if (!components.ok) return refuse(400, { form: 'tariff', errors: components.errors, values: typedValues(form) });
		const result = await locals.db.run(addTariff, { category: parsed.data.category, rtId: parsed.data.rtId, validFrom: parsed.data.validFrom, components: components.components });
		if (!result.ok) return refuse(result.reason === 'forbidden' ? 403 : 409, { form: 'tariff', errors: { validFrom: `dues.refused.tariff_${result.reason}` }, values: typedValues(form) });
		return { form: 'tariff', done: 'dues.tariff_saved' };
	},
	exemption: async ({ locals, request }) => {
		const form = await request.formData();
		const parsed = parseForm(exemptionSchema, form);
		if (!parsed.ok) return refuse(400, { form: 'exemption', errors: parsed.errors, values: parsed.values });
		const result = await locals.db.run(addExemption, parsed.data);
		if (!result.ok) return refuse(result.reason === 'forbidden' ? 403 : 400, { form: 'exemption', errors: { houseId: 'dues.house_required' }, values: typedValues(form) });
		return { form: 'exemption', done: 'dues.exemption_saved' };
	},
	endExemption: async ({ locals, request }) => {
		const form = await request.formData();
		const id = String(form.get('exemptionId') ?? '');
		const parsed = parseForm(endExemptionSchema, form);
		if (!parsed.ok) return refuse(400, { form: id, errors: parsed.errors, values: parsed.values });
		const result = await locals.db.run(endExemption, parsed.data);
		if (!result.ok) {
			const values = typedValues(form);
			if (result.reason === 'exemption_before_start') return refuse(400, { form: id, errors: { toMonth: 'dues.refused.exemption_before_start' }, values });
			return refuseMoney(id, result.reason, values);
		}
		return { form: id, done: 'dues.exemption.ended' };
	},
	settings: async ({ locals, request }) => {
		const form = await request.formData();
		const values = typedValues(form);
		const parsed = parseForm(settingsSchema, form);
		if (!parsed.ok) return refuse(400, { form: 'settings', errors: parsed.errors, values: parsed.values });
		const file = form.get('qris');
		let qris = null;
		if (file instanceof File && file.size > 0) {
			const accepted = await acceptUpload({ bytes: new Uint8Array(await file.arrayBuffer()), name: file.name }, { allow: ['image'], maxBytes: 4 * 1024 * 1024 });
			if (!accepted.ok) return refuse(400, { form: 'settings', errors: { qris: accepted.problem }, values });
			qris = accepted.file;
		}
		const result = await locals.db.run(saveSettings, getRuntime().files, parsed.data, qris);
		if (!result.ok) return refuse(403, { form: 'settings', message: 'errors.forbidden', values });
		return { form: 'settings', done: 'dues.settings_saved' };
	}
};
