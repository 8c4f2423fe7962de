import { z } from 'zod';
import { deviceSchema } from '$lib/schemas/devices';
import { parseForm } from '$lib/schemas/form';
import { createDevice, listDevices, rotateSecret, setDisabled } from '$lib/server/devices/devices';
import { listRtSummaries } from '$lib/server/tenancy/rw';
import { getRuntime } from '$lib/server/runtime';
import { refuse, typedValues } from '$lib/web/action-result.server';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	const { broker } = getRuntime();
	const [devices, rts] = await Promise.all([locals.db.run(listDevices), locals.db.run(listRtSummaries)]);
	return {
		devices,
		rts: rts.map(({ id, name }) => ({ id, name })),
		rwCode: locals.db.user.rwCode ?? '',
		mqtt: broker.tcpPort === null
			? externalSettings(getRuntime().config.mqttUrl ?? '', url)
			: { host: url.hostname, port: broker.tcpPort, wsUrl: `${url.protocol === 'https:' ? 'wss' : 'ws'}://${url.host}/mqtt` }
	};
};

/** Devices connect to the external broker (MQTT_URL) directly. */
function externalSettings(mqttUrl: string, page: URL) {
	const parsed = new URL(mqttUrl || 'mqtt://localhost:1883');
	return { host: parsed.hostname || page.hostname, port: Number(parsed.port || 1883), wsUrl: '' };
}

const idSchema = z.object({ id: z.string().regex(/^[a-z0-9][a-z0-9-]{2,39}$/) });

export const actions: Actions = {
	create: async ({ locals, request }) => {
		const form = await request.formData();
		const parsed = parseForm(deviceSchema, form);
		if (!parsed.ok) return refuse(400, { errors: parsed.errors, values: parsed.values });
		const result = await locals.db.run(createDevice, parsed.data);
		if (!result.ok) {
			const values = typedValues(form);
			return result.reason === 'taken' ? refuse(400, { errors: { id: 'errors.device_taken' }, values }) : refuse(403, { message: 'errors.forbidden', values });
		}
		const d = parsed.data;
		const spec = d.kind === 'sensor' ? { report_interval_s: d.reportIntervalS, mounting_height_cm: d.mountingHeightCm, max_range_cm: d.maxRangeCm, siaga3_cm: d.siaga3Cm, siaga2_cm: d.siaga2Cm, siaga1_cm: d.siaga1Cm } : {};
		return { secret: { id: d.id, kind: d.kind, value: result.secret, spec } };
	},
	rotate: async ({ locals, request }) => {
		const parsed = parseForm(idSchema, await request.formData());
		if (!parsed.ok) return refuse(400, { message: 'errors.invalid_choice' });
		const { broker, ingest } = getRuntime();
		const rotated = await locals.db.run(rotateSecret, parsed.data.id);
		if (!rotated) return refuse(404, { message: 'errors.invalid_choice' });
		// The old secret stops working now: drop the live connection too.
		ingest.invalidate(parsed.data.id);
		broker.disconnect(parsed.data.id);
		return { secret: { id: parsed.data.id, kind: rotated.kind, value: rotated.secret, spec: rotated.settings } };
	},
	disable: async ({ locals, request }) => {
		const form = await request.formData();
		const parsed = parseForm(idSchema, form);
		if (!parsed.ok) return refuse(400, { message: 'errors.invalid_choice' });
		const disable = form.get('disabled') !== 'false';
		const { broker, ingest } = getRuntime();
		if (!(await locals.db.run(setDisabled, parsed.data.id, disable))) return refuse(404, { message: 'errors.invalid_choice' });
		ingest.invalidate(parsed.data.id);
		if (disable) broker.disconnect(parsed.data.id); // at once: a disabled device must not keep its session
		return { toggled: parsed.data.id };
	}
};
