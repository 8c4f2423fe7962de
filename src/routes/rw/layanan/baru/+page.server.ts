import { saveServiceAction } from '$lib/web/letters/service-actions.server';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = () => ({});

export const actions: Actions = { default: (event) => saveServiceAction(event, null) };
