import type { Severity } from '$lib/views/alerts';

/**
 * The alarm sound of the security post (Web Audio, no sound file). Browsers let a page
 * make sound only after a click, so the officer turns it on once at the start of the
 * shift; the choice is kept in localStorage. After a reload the browser may hold the
 * sound back until the next click: `state` says so, and the button shows it.
 */
const KEY = 'rukun.security.sound';

export type SoundState = 'off' | 'on' | 'blocked';

export class AlarmSound {
	private context: AudioContext | null = null;
	private wanted = false;

	constructor(private readonly storage: Storage | null = typeof localStorage === 'undefined' ? null : localStorage) {
		this.wanted = this.storage?.getItem(KEY) === 'on';
	}

	get state(): SoundState {
		if (!this.wanted) return 'off';
		return this.context && this.context.state === 'running' ? 'on' : 'blocked';
	}

	/** Call from a click: creates or resumes the audio context and plays a short tone as a check. */
	async enable(): Promise<SoundState> {
		this.wanted = true;
		this.storage?.setItem(KEY, 'on');
		this.context ??= new AudioContext();
		await this.context.resume().catch(() => {});
		this.tone(880, 0, 0.15);
		return this.state;
	}

	disable(): SoundState {
		this.wanted = false;
		this.storage?.setItem(KEY, 'off');
		return this.state;
	}

	/** On load: try to resume a remembered choice (works when the browser allows it). */
	async restore(): Promise<SoundState> {
		if (!this.wanted) return 'off';
		try {
			this.context ??= new AudioContext();
			await Promise.race([this.context.resume(), new Promise((r) => setTimeout(r, 300))]);
		} catch {
			/* held back until a click */
		}
		return this.state;
	}

	/**
	 * The alarm: three rising beeps for critical and major, two for the rest. `loud` (an
	 * escalated panic nobody has received): three times the volume, longer beeps, twice.
	 */
	play(severity: Severity, options: { loud?: boolean } = {}): void {
		if (this.state !== 'on') return;
		const beeps = severity === 'critical' || severity === 'major' ? [660, 880, 1100] : [660, 880];
		const rounds = options.loud ? 2 : 1;
		const volume = options.loud ? 0.9 : 0.3;
		const length = options.loud ? 0.3 : 0.22;
		for (let round = 0; round < rounds; round++) beeps.forEach((hz, i) => this.tone(hz, round * 1 + i * 0.33, length, volume));
	}

	private tone(hz: number, at: number, length: number, volume = 0.3): void {
		const ctx = this.context;
		if (!ctx || ctx.state !== 'running') return;
		const osc = ctx.createOscillator();
		const gain = ctx.createGain();
		osc.type = 'square';
		osc.frequency.value = hz;
		const start = ctx.currentTime + at;
		gain.gain.setValueAtTime(0.0001, start);
		gain.gain.exponentialRampToValueAtTime(volume, start + 0.02);
		gain.gain.exponentialRampToValueAtTime(0.0001, start + length);
		osc.connect(gain).connect(ctx.destination);
		osc.start(start);
		osc.stop(start + length + 0.05);
	}
}
