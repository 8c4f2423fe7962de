import { uploadAction } from '$lib/server/registry/import-actions';
import type { Actions } from './$types';

export const actions: Actions = { default: uploadAction };
