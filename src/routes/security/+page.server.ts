import { error } from '@sveltejs/kit';
import { may } from '$lib/domain/permissions';
import { translate } from '$lib/i18n';
import { acknowledgeSchema } from '$lib/schemas/alarms';
import { parseForm } from '$lib/schemas/form';
import { acknowledgeAlarm } from '$lib/server/alarms/acknowledge';
import { dashboardSnapshot } from '$lib/server/alarms/feed';
import { listDevices } from '$lib/server/devices/devices';
import { listPumps } from '$lib/server/pumps/list';
import { listRtSummaries } from '$lib/server/tenancy/rw';
import { getRuntime } from '$lib/server/runtime';
import { refuse, typedValues } from '$lib/web/action-result.server';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const { broker, ingest, pii, config } = getRuntime();
	const [rts, devices, snapshot, pumps] = await Promise.all([
		locals.db.run(listRtSummaries),
		locals.db.run(listDevices),
		locals.db.run(dashboardSnapshot, pii.tokens, broker.wsPath),
		locals.db.run(listPumps)
	]);
	const rejected = ingest.metrics.rejectedByDevice();
	return {
		broker: { up: broker.isUp(), clients: broker.stats().connectedClients },
		rts: rts.map(({ id, name, houses }) => ({ id, name, houses })),
		devices,
		rejected: Object.fromEntries(devices.map((d) => [d.id, rejected[d.id] ?? 0])),
		...snapshot,
		tileUrl: config.mapTileUrl,
		canAcknowledge: may(locals.db.user, 'alarms.acknowledge'),
		pumps,
		canCommand: may(locals.db.user, 'pumps.command')
	};
};

export const actions: Actions = {
	acknowledge: async ({ locals, request }) => {
		// RT heads read the post but do not act: refused as the area guard refuses, before the form is read.
		if (!may(locals.db.user, 'alarms.acknowledge')) error(403, { message: translate(locals.locale, 'error.403'), key: 'error.403' });
		const form = await request.formData();
		const parsed = parseForm(acknowledgeSchema, form);
		if (!parsed.ok) return refuse(400, { errors: parsed.errors, values: parsed.values, form: parsed.values.alarmId });
		const { broker } = getRuntime();
		const result = await locals.db.run(acknowledgeAlarm, parsed.data, (topic, payload) => broker.publish(topic, payload));
		if (result.ok) return { form: result.alarm.id, done: 'security.ack_done', alarm: result.alarm };
		const values = typedValues(form);
		if (result.reason === 'forbidden') return refuse(403, { message: 'errors.forbidden', values, form: parsed.data.alarmId });
		return refuse(result.reason === 'already' ? 409 : 404, {
			message: result.reason === 'already' ? 'security.ack_already' : 'security.ack_not_found',
			values,
			form: parsed.data.alarmId
		});
	}
};
