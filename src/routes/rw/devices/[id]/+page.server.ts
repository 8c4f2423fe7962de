import { parseForm } from '$lib/schemas/form';
import { sensorSettingsSchema, silenceSchema } from '$lib/schemas/device-settings';
import { deviceHistory } from '$lib/server/devices/history';
import { endSilence, getAlarmSettings, silenceDevice, updateSensorSettings } from '$lib/server/devices/settings';
import { getRuntime } from '$lib/server/runtime';
import { refuse } from '$lib/web/action-result.server';
import { notFound, orNotFound } from '$lib/web/not-found.server';
import type { Actions, PageServerLoad } from './$types';

/** A device's health and, for a sensor, its water level over 24 hours and 30 days (from the rollups); its alarm settings and silence. */
export const load: PageServerLoad = async ({ locals, params }) => {
	const [history, settings] = await Promise.all([locals.db.run(deviceHistory, params.id), locals.db.run(getAlarmSettings, params.id)]);
	return { ...orNotFound(history), settings: orNotFound(settings) };
};

/** The ingest and the alarm engine cache devices: what changed is read again at the next message. */
const changed = (id: string) => {
	const { ingest, alarms } = getRuntime();
	ingest.invalidate(id);
	alarms.invalidate(id);
};

export const actions: Actions = {
	settings: async ({ locals, params, request }) => {
		const parsed = parseForm(sensorSettingsSchema, await request.formData());
		if (!parsed.ok) return refuse(400, { form: 'settings', errors: parsed.errors, values: parsed.values });
		const result = await locals.db.run(updateSensorSettings, params.id, parsed.data);
		if (!result.ok) {
			const values = Object.fromEntries(Object.entries(parsed.data).map(([k, v]) => [k, String(v)]));
			if (result.reason === 'field') return refuse(400, { form: 'settings', errors: { [result.field]: result.message }, values });
			if (result.reason === 'not_found') notFound();
			return refuse(result.reason === 'forbidden' ? 403 : 400, { form: 'settings', message: result.reason === 'forbidden' ? 'errors.forbidden' : 'errors.invalid_choice', values });
		}
		changed(params.id);
		return { form: 'settings', done: 'device_settings.saved' };
	},
	silence: async ({ locals, params, request }) => {
		const form = await request.formData();
		const parsed = parseForm(silenceSchema, form);
		if (!parsed.ok) return refuse(400, { form: 'silence', errors: parsed.errors, values: parsed.values });
		const result = await locals.db.run(silenceDevice, params.id, parsed.data.until, parsed.data.reason);
		if (!result.ok) {
			const values = { until: String(form.get('until') ?? ''), reason: parsed.data.reason };
			if (result.reason === 'field') return refuse(400, { form: 'silence', errors: { [result.field]: result.message }, values });
			if (result.reason === 'not_found') notFound();
			return refuse(403, { form: 'silence', message: 'errors.forbidden', values });
		}
		changed(params.id);
		return { form: 'silence', done: 'device_settings.silenced' };
	},
	unsilence: async ({ locals, params }) => {
		if (!(await locals.db.run(endSilence, params.id))) notFound();
		changed(params.id);
		return { form: 'silence', done: 'device_settings.unsilenced' };
	}
};
