import { z } from 'zod';

/** Acknowledging an alarm: which one, and what the officer did about it (required, as the log of the shift). */
export const acknowledgeSchema = z.object({
	alarmId: z.uuid('errors.invalid_choice'),
	note: z
		.string({ error: 'security.ack_note_required' })
		.trim()
		.min(1, 'security.ack_note_required')
		.max(500, 'errors.too_long')
});

export type AcknowledgeInput = z.output<typeof acknowledgeSchema>;
