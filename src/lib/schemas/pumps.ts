import { z } from 'zod';

/** One pump's on/off form (the pump panel). */
export const pumpCommandSchema = z.object({
	id: z.string({ error: 'errors.invalid_choice' }).regex(/^[a-z0-9][a-z0-9-]{2,39}$/, 'errors.invalid_choice'),
	on: z.enum(['true', 'false'], { error: 'errors.invalid_choice' }).transform((v) => v === 'true')
});
