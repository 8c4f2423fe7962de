import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import webpush from 'web-push';
import type { Database } from '../db';

/** The VAPID identity this server signs its pushes with (RFC 8292). */
export interface VapidKeys {
	/** URL-safe base64 of the uncompressed P-256 point: the browser's applicationServerKey. */
	publicKey: string;
	privateKey: string;
	/** A mailto: or https: URL where the push service can reach the operator. */
	subject: string;
	/** Where the pair came from (logged at start). */
	source: 'env' | 'file' | 'database';
}

export interface VapidOptions {
	publicKey?: string;
	privateKey?: string;
	subject?: string;
	dataDir: string;
	/** With a shared PostgreSQL database the pair is kept there once, for every instance. */
	db?: Database;
}

export const DEFAULT_VAPID_SUBJECT = 'mailto:admin@rukun.invalid';

/**
 * The key pair, in this order: VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY; on PostgreSQL
 * the row in app.vapid_key (the first instance to start writes it, the others read
 * it, so every instance signs with the same key: a subscription is bound to the
 * public key it was made with); else DATA_DIR/keys/vapid.json, created on first
 * start with mode 0600.
 */
export async function loadVapidKeys(options: VapidOptions): Promise<VapidKeys> {
	const subject = options.subject || DEFAULT_VAPID_SUBJECT;
	if (options.publicKey || options.privateKey) {
		if (!options.publicKey || !options.privateKey) throw new Error('Set both VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY, or neither');
		const keys = { publicKey: options.publicKey, privateKey: options.privateKey, subject, source: 'env' as const };
		check(keys);
		return keys;
	}
	if (options.db?.kind === 'postgres') {
		const fresh = webpush.generateVAPIDKeys();
		await options.db.query('insert into app.vapid_key (id, public_key, private_key) values (1, $1, $2) on conflict (id) do nothing', [fresh.publicKey, fresh.privateKey]);
		const [row] = await options.db.query<{ public_key: string; private_key: string }>('select public_key, private_key from app.vapid_key where id = 1');
		return { publicKey: row!.public_key, privateKey: row!.private_key, subject, source: 'database' };
	}
	const file = path.join(options.dataDir, 'keys', 'vapid.json');
	try {
		const stored = JSON.parse(await readFile(file, 'utf8')) as { publicKey: string; privateKey: string };
		return { publicKey: stored.publicKey, privateKey: stored.privateKey, subject, source: 'file' };
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`Cannot read ${file}`, { cause: err });
	}
	await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
	const fresh = webpush.generateVAPIDKeys();
	try {
		await writeFile(file, JSON.stringify(fresh), { mode: 0o600, flag: 'wx' });
	} catch (err) {
		// Another process on the same DATA_DIR wrote it first: use theirs.
		if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadVapidKeys(options);
		throw err;
	}
	return { ...fresh, subject, source: 'file' };
}

function check(keys: VapidKeys): void {
	try {
		// Signs one header with them (no global state): a malformed key or subject fails here, at start.
		webpush.getVapidHeaders('https://push.example', keys.subject, keys.publicKey, keys.privateKey, 'aes128gcm');
	} catch (err) {
		throw new Error(`Invalid VAPID configuration: ${err instanceof Error ? err.message : String(err)}`);
	}
}
