import { uploadAction } from '$lib/web/registry/import-actions.server';
import type { Actions } from './$types';

export const actions: Actions = { default: uploadAction };
