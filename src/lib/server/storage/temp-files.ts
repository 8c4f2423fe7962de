import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Short-lived uploads between the steps of a wizard (import: upload → mapping →
 * dry run → commit), under DATA_DIR/tmp/<kind>/, owned by one user, expiring
 * after an hour. Ids are random 128-bit tokens; the owner is checked on read.
 */
const TTL_MS = 3600_000;

export interface TempFile {
	bytes: Uint8Array;
	meta: { owner: string; name: string; createdAt: number };
}

const dirOf = (dataDir: string, kind: string) => path.join(dataDir, 'tmp', kind);
const isId = (id: string) => /^[A-Za-z0-9_-]{22}$/.test(id);

export async function putTemp(dataDir: string, kind: string, owner: string, name: string, bytes: Uint8Array): Promise<string> {
	const dir = dirOf(dataDir, kind);
	await mkdir(dir, { recursive: true, mode: 0o700 });
	await pruneTemp(dataDir, kind);
	const id = randomBytes(16).toString('base64url');
	await writeFile(path.join(dir, `${id}.bin`), bytes, { mode: 0o600 });
	await writeFile(path.join(dir, `${id}.json`), JSON.stringify({ owner, name: name.slice(0, 200), createdAt: Date.now() }), { mode: 0o600 });
	return id;
}

export async function getTemp(dataDir: string, kind: string, id: string, owner: string): Promise<TempFile | null> {
	if (!isId(id)) return null;
	const dir = dirOf(dataDir, kind);
	try {
		const meta = JSON.parse(await readFile(path.join(dir, `${id}.json`), 'utf8')) as TempFile['meta'];
		if (meta.owner !== owner || Date.now() - meta.createdAt > TTL_MS) return null;
		return { bytes: new Uint8Array(await readFile(path.join(dir, `${id}.bin`))), meta };
	} catch (err) {
		if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
		throw err;
	}
}

export async function deleteTemp(dataDir: string, kind: string, id: string): Promise<void> {
	if (!isId(id)) return;
	const dir = dirOf(dataDir, kind);
	await rm(path.join(dir, `${id}.bin`), { force: true });
	await rm(path.join(dir, `${id}.json`), { force: true });
}

/** Removes expired uploads of a kind. */
export async function pruneTemp(dataDir: string, kind: string): Promise<void> {
	const dir = dirOf(dataDir, kind);
	for (const file of await readdir(dir).catch(() => [] as string[])) {
		const full = path.join(dir, file);
		const info = await stat(full).catch(() => null);
		if (info && Date.now() - info.mtimeMs > TTL_MS) await rm(full, { force: true });
	}
}
