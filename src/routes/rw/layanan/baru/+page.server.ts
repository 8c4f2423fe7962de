import { saveServiceAction } from '$lib/server/letters/service-actions';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = () => ({});

export const actions: Actions = { default: (event) => saveServiceAction(event, null) };
