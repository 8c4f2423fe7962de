import type { Database } from '../db';
import { PushSender, type PushSenderOptions } from './sender';
import { loadVapidKeys, type VapidKeys } from './vapid';

/** The push channel of the runtime: its keys and its sender. */
export interface PushService {
	vapid: VapidKeys;
	sender: PushSender;
	close(): Promise<void>;
}

export interface PushServiceOptions {
	db: Database;
	dataDir: string;
	databaseUrl?: string;
	vapidPublicKey?: string;
	vapidPrivateKey?: string;
	vapidSubject?: string;
	sender?: Partial<Omit<PushSenderOptions, 'db' | 'vapid'>>;
	log?: (message: string) => void;
}

/** Loads (or creates) the VAPID keys, starts the sender and, on PostgreSQL, its LISTEN. */
export async function startPush(options: PushServiceOptions): Promise<PushService> {
	const vapid = await loadVapidKeys({
		publicKey: options.vapidPublicKey,
		privateKey: options.vapidPrivateKey,
		subject: options.vapidSubject,
		dataDir: options.dataDir,
		db: options.db
	});
	const sender = new PushSender({ db: options.db, vapid, log: options.log, ...options.sender });
	let listener: { close(): Promise<void> } | null = null;
	if (options.databaseUrl) {
		const { listenForPush } = await import('./listen');
		listener = await listenForPush(options.databaseUrl, () => sender.wake());
	}
	sender.start();
	return {
		vapid,
		sender,
		async close() {
			await listener?.close();
			await sender.close();
		}
	};
}
