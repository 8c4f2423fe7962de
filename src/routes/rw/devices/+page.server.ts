import { fail } from '@sveltejs/kit';
import { z } from 'zod';
import { deviceSchema } from '$lib/schemas/devices';
import { parseForm } from '$lib/schemas/form';
import { createDevice, listDevices, rotateSecret, setDisabled } from '$lib/server/devices/devices';
import { listRtSummaries } from '$lib/server/tenancy/rw';
import { getRuntime } from '$lib/server/runtime';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => {
	const { db, broker } = getRuntime();
	const [devices, rts] = await Promise.all([listDevices(db, locals.user!), listRtSummaries(db, locals.user!)]);
	return {
		devices,
		rts: rts.map(({ id, name }) => ({ id, name })),
		rwCode: locals.user!.rwCode ?? '',
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
		if (!parsed.ok) return fail(400, { errors: parsed.errors, values: parsed.values });
		const result = await createDevice(getRuntime().db, locals.user!, parsed.data);
		if (!result.ok) {
			const errors: Record<string, string> = result.reason === 'taken' ? { id: 'errors.device_taken' } : { form: 'errors.forbidden' };
			return fail(400, { errors, values: Object.fromEntries([...form.entries()].map(([k, v]) => [k, String(v)])) });
		}
		const d = parsed.data;
		const spec = d.kind === 'sensor' ? { report_interval_s: d.reportIntervalS, mounting_height_cm: d.mountingHeightCm, max_range_cm: d.maxRangeCm, siaga3_cm: d.siaga3Cm, siaga2_cm: d.siaga2Cm, siaga1_cm: d.siaga1Cm } : {};
		return { secret: { id: d.id, kind: d.kind, value: result.secret, spec } };
	},
	rotate: async ({ locals, request }) => {
		const parsed = parseForm(idSchema, await request.formData());
		if (!parsed.ok) return fail(400, { errors: { form: 'errors.invalid_choice' } as Record<string, string> });
		const { db, broker, ingest } = getRuntime();
		const rotated = await rotateSecret(db, locals.user!, parsed.data.id);
		if (!rotated) return fail(404, { errors: { form: 'errors.invalid_choice' } as Record<string, string> });
		// The old secret stops working now: drop the live connection too.
		ingest.invalidate(parsed.data.id);
		broker.disconnect(parsed.data.id);
		return { secret: { id: parsed.data.id, kind: rotated.kind, value: rotated.secret, spec: rotated.settings } };
	},
	disable: async ({ locals, request }) => {
		const form = await request.formData();
		const parsed = parseForm(idSchema, form);
		if (!parsed.ok) return fail(400, { errors: { form: 'errors.invalid_choice' } as Record<string, string> });
		const disable = form.get('disabled') !== 'false';
		const { db, broker, ingest } = getRuntime();
		if (!(await setDisabled(db, locals.user!, parsed.data.id, disable))) return fail(404, { errors: { form: 'errors.invalid_choice' } as Record<string, string> });
		ingest.invalidate(parsed.data.id);
		if (disable) broker.disconnect(parsed.data.id); // at once (issue 4)
		return { toggled: parsed.data.id };
	}
};
