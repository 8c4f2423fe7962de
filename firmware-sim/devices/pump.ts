import { z } from 'zod';
import type { DeviceSpec } from '../lib/credentials';
import { topics } from '../lib/topics';
import { SimDevice, type DeviceContext } from './device';

/** `rw/{rw}/pump/{id}/cmd` carries `{"on":true,"by":"…"}`, from the server only. */
const command = z.object({ on: z.boolean(), by: z.string().max(200) });

/**
 * A drainage pump: obeys commands on its cmd topic (QoS 1, kept by the
 * persistent session while it is offline) and reports `{"on","ts","seq"}` on
 * its state topic after each command and on every connect.
 */
export class Pump extends SimDevice {
	isOn = false;
	/** Who gave the last command obeyed. */
	lastBy: string | null = null;

	constructor(spec: DeviceSpec, ctx: DeviceContext) {
		super(spec, ctx);
		this.link.on('message', (topic, payload) => this.onMessage(topic, payload));
	}

	protected override onUp(): void {
		this.link.subscribe(topics.pumpCmd(this.ctx.rw, this.id));
		this.report();
	}

	private onMessage(topic: string, payload: Buffer): void {
		if (topic !== topics.pumpCmd(this.ctx.rw, this.id)) return;
		let parsed: z.ZodSafeParseResult<z.infer<typeof command>>;
		try {
			parsed = command.safeParse(JSON.parse(payload.toString('utf8')));
		} catch {
			this.stats.badCommands++; // not JSON: ignored, like any malformed command
			return;
		}
		if (!parsed.success) {
			this.stats.badCommands++;
			return;
		}
		this.stats.commands++;
		this.isOn = parsed.data.on;
		this.lastBy = parsed.data.by;
		this.report();
	}

	private report(): void {
		const seq = this.nextSeq();
		const payload = JSON.stringify({ on: this.isOn, ts: this.ctx.clock.stamp(this.ctx.clock.elapsedSimMs()), seq, boot: this.ctx.boot });
		this.enqueue({ topic: topics.pumpState(this.ctx.rw, this.id), payload, qos: 1, seq });
	}
}
