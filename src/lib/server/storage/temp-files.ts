import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { decryptFile, encryptFile, type PiiKeys } from '../crypto/pii';

/**
 * Short-lived uploads between the steps of a wizard (import: upload → mapping →
 * dry run → commit), under DATA_DIR/tmp/<kind>/, owned by one user, expiring
 * after an hour. Ids are random 128-bit tokens; the owner is checked on read.
 * A register upload holds full NIK and KK numbers, so the file and its name are
 * encrypted at rest like any NIK (UU 27/2022 art. 16), bound to their kind and id.
 * Expired uploads are removed on every put and get, and every PRUNE_EVERY_MS
 * while the process runs (a timer that does not keep the process alive).
 */
const TTL_MS = 3600_000;

/** The kinds of temp files, each a folder; the runtime prunes them all at start and hourly. */
export const TEMP_KINDS = { registryImport: 'registry-import' } as const;
const PRUNE_EVERY_MS = 10 * 60_000;

export interface TempStore {
	dataDir: string;
	keys: PiiKeys;
}

export interface TempFile {
	bytes: Uint8Array;
	meta: { owner: string; name: string; createdAt: number };
}

/** What lies on disk next to the sealed bytes: the name is sealed too. */
interface StoredMeta {
	owner: string;
	name: string;
	createdAt: number;
}

const dirOf = (dataDir: string, kind: string) => path.join(dataDir, 'tmp', kind);
const isId = (id: string) => /^[A-Za-z0-9_-]{22}$/.test(id);
const purposeOf = (kind: string, id: string, part: 'bytes' | 'name') => `temp:${kind}:${id}:${part}`;

export async function putTemp(store: TempStore, kind: string, owner: string, name: string, bytes: Uint8Array): Promise<string> {
	const dir = dirOf(store.dataDir, kind);
	await mkdir(dir, { recursive: true, mode: 0o700 });
	await pruneTemp(store.dataDir, kind);
	keepPruning(store.dataDir, kind);
	const id = randomBytes(16).toString('base64url');
	const sealedName = encryptFile(store.keys, purposeOf(kind, id, 'name'), new TextEncoder().encode(name.slice(0, 200)));
	const meta: StoredMeta = { owner, name: Buffer.from(sealedName).toString('base64'), createdAt: Date.now() };
	await writeFile(path.join(dir, `${id}.bin`), encryptFile(store.keys, purposeOf(kind, id, 'bytes'), bytes), { mode: 0o600 });
	await writeFile(path.join(dir, `${id}.json`), JSON.stringify(meta), { mode: 0o600 });
	return id;
}

export async function getTemp(store: TempStore, kind: string, id: string, owner: string): Promise<TempFile | null> {
	await pruneTemp(store.dataDir, kind);
	keepPruning(store.dataDir, kind);
	if (!isId(id)) return null;
	const dir = dirOf(store.dataDir, kind);
	let meta: StoredMeta;
	let sealed: Uint8Array;
	try {
		meta = JSON.parse(await readFile(path.join(dir, `${id}.json`), 'utf8')) as StoredMeta;
		if (meta.owner !== owner || Date.now() - meta.createdAt > TTL_MS) return null;
		sealed = new Uint8Array(await readFile(path.join(dir, `${id}.bin`)));
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
		throw err;
	}
	try {
		const name = new TextDecoder().decode(decryptFile(store.keys, purposeOf(kind, id, 'name'), Buffer.from(meta.name, 'base64')));
		const bytes = decryptFile(store.keys, purposeOf(kind, id, 'bytes'), sealed);
		return { bytes, meta: { owner: meta.owner, name, createdAt: meta.createdAt } };
	} catch (err) {
		// Sealed with another key (RUKUN_DATA_KEY changed) or damaged: unreadable for good.
		console.error(`temp file ${kind}/${id} cannot be decrypted; removed`, err);
		await deleteTemp(store.dataDir, kind, id);
		return null;
	}
}

export async function deleteTemp(dataDir: string, kind: string, id: string): Promise<void> {
	if (!isId(id)) return;
	const dir = dirOf(dataDir, kind);
	await rm(path.join(dir, `${id}.bin`), { force: true });
	await rm(path.join(dir, `${id}.json`), { force: true });
}

/** Removes expired uploads of a kind (and any stray file older than an upload may live). */
export async function pruneTemp(dataDir: string, kind: string): Promise<void> {
	const dir = dirOf(dataDir, kind);
	for (const file of await readdir(dir).catch(() => [] as string[])) {
		const full = path.join(dir, file);
		const info = await stat(full).catch(() => null);
		if (info && Date.now() - info.mtimeMs > TTL_MS) await rm(full, { force: true });
	}
}

/** One pruning timer per directory, started by its first use; unref'd, so it never holds the process open. */
const pruners = new Map<string, NodeJS.Timeout>();

function keepPruning(dataDir: string, kind: string): void {
	const dir = dirOf(dataDir, kind);
	if (pruners.has(dir)) return;
	const timer = setInterval(() => {
		pruneTemp(dataDir, kind).catch((err: unknown) => console.error(`pruning ${dir} failed`, err));
	}, PRUNE_EVERY_MS);
	timer.unref();
	pruners.set(dir, timer);
}
