// Messages between the ingest benchmark (bench/ingest.ts) and its load generator
// processes (bench/ingest/generator.ts), sent over the fork() IPC channel with
// `serialization: 'advanced'` (typed arrays pass as they are).

export interface ConnSpec {
	clientId: string;
	/** Absent: an anonymous connection (bare brokers). */
	username?: string;
	password?: string;
	topic: string;
	/** distance_cm sent by this connection (tenths digit varies with seq). */
	distanceCm: number;
}

export type LoadMode =
	/** Keep `window` un-acked messages per connection, as fast as acks come back. */
	| { kind: 'max' }
	/** `rate` messages per second from this generator, spread over its connections. */
	| { kind: 'rate'; rate: number };

export interface InitMessage {
	type: 'init';
	host: string;
	port: number;
	conns: ConnSpec[];
	window: number;
	mode: LoadMode;
	/** First seq of every connection; phases sharing a database use different bases. */
	seqBase: number;
	connectTimeoutMs: number;
	/** How long to wait for outstanding PUBACKs after `stop`. */
	drainTimeoutMs: number;
	/** Hard limit: the generator exits by itself after this long, whatever happens. */
	lifetimeMs: number;
}

export type ToGenerator = InitMessage | { type: 'start' } | { type: 'mark' } | { type: 'stop' };

export interface GeneratorResult {
	/** PUBACKs received between `mark` and `stop`. */
	ackedInWindow: number;
	sentInWindow: number;
	/** Generator's own clock between `mark` and `stop`. */
	windowMs: number;
	/** CPU (user + system) this generator process used between `mark` and `stop`. */
	cpuMs: number;
	totalSent: number;
	totalAcked: number;
	/** Still un-acked when the drain timed out. */
	unacked: number;
	/** Rate mode: messages that were due while every window was full, never sent. */
	skippedSends: number;
	/** send → PUBACK in ms for messages acked between `mark` and `stop`. */
	latencies: Float64Array;
	/** The slowest 1 % of those: device, seq, send and PUBACK on CLOCK_MONOTONIC, ms. */
	slowest: { device: string; seq: number; sentMono: number; ackedMono: number }[];
	connectionsLost: number;
	errors: string[];
}

export type FromGenerator =
	| { type: 'ready'; connected: number; refused: { clientId: string; returnCode: number }[]; errors: string[] }
	| { type: 'result'; result: GeneratorResult }
	| { type: 'fatal'; error: string };
