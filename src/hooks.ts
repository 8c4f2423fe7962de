import type { Transport } from '@sveltejs/kit';
import { renderOnlyTransporter } from '$lib/render-only';

/** Types that cross the server/client boundary in load data (SvelteKit's `transport` hook). */
export const transport: Transport = {
	RenderOnly: renderOnlyTransporter
};
