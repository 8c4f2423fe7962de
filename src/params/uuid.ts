import type { ParamMatcher } from '@sveltejs/kit';
import { isUuid } from '$lib/domain/ids';

/** `[id=uuid]`: a route for one row matches only a well-formed id, so anything else is a 404 before the route runs. */
export const match: ParamMatcher = (param) => isUuid(param);
