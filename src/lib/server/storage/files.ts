import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Stored user files (letter attachments, mutation documents, later complaint photos
 * and payment proofs). Callers only see keys, so Supabase Storage (bucket + object
 * path) can replace the local disk without touching them.
 */
export interface FileStore {
	put(key: string, bytes: Uint8Array, contentType: string): Promise<void>;
	/** null when the key was never stored or has been deleted. */
	get(key: string): Promise<{ bytes: Uint8Array; contentType: string } | null>;
	/** Deleting a missing key is not an error (as in object stores). */
	delete(key: string): Promise<void>;
}

/**
 * Keys are `seg/seg/.../name.ext`, each segment [A-Za-z0-9_-]: no dots in segments, so
 * no `..`, no hidden files, no absolute paths, no backslashes, nothing that can leave
 * the root. The same shape is a valid Supabase Storage object path.
 */
const KEY = /^[A-Za-z0-9_-]{1,100}(?:\/[A-Za-z0-9_-]{1,100}){0,7}\.[a-z0-9]{1,10}$/;
const SEGMENT = /^[A-Za-z0-9_-]{1,100}$/;
/** A single `type/subtype` MIME token (no parameters), so it is safe to echo in a header. */
const CONTENT_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$/;

function assertKey(key: string): void {
	if (key.length > 512 || !KEY.test(key)) throw new Error(`invalid file key: ${JSON.stringify(key.slice(0, 80))}`);
}

/** A fresh unguessable key, e.g. `letters/<rwId>/<128-bit base64url>.jpg`. */
export function newFileKey(area: string, rwId: string, ext: string): string {
	if (!SEGMENT.test(area) || !SEGMENT.test(rwId)) throw new Error(`invalid file key area or rw: ${area}/${rwId}`);
	const key = `${area}/${rwId}/${randomBytes(16).toString('base64url')}.${ext}`;
	assertKey(key);
	return key;
}

/**
 * Files under `root` (DATA_DIR/files) at their key's path, readable only by the app
 * (files 0600, directories 0700). The content type lives in a sidecar
 * `<name>.<ext>.json` ({ "contentType": … }) — a key cannot contain two dots, so a
 * sidecar never collides with a key. Both are written to a temp name and renamed, so a
 * reader sees either the whole file or none. The data file is renamed before the
 * sidecar and `get` needs both, so a half-done put reads as missing. Keys are random
 * and written once; concurrent puts of one key may pair one's bytes with the other's
 * type.
 */
export class LocalFileStore implements FileStore {
	readonly #root: string;

	constructor(root: string) {
		this.#root = root;
	}

	async put(key: string, bytes: Uint8Array, contentType: string): Promise<void> {
		const file = this.#pathOf(key);
		if (!CONTENT_TYPE.test(contentType)) throw new Error(`invalid content type for ${key}: ${JSON.stringify(contentType)}`);
		await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
		await writeAtomically(file, bytes);
		await writeAtomically(`${file}.json`, JSON.stringify({ contentType }));
	}

	async get(key: string): Promise<{ bytes: Uint8Array; contentType: string } | null> {
		const file = this.#pathOf(key);
		try {
			const meta = JSON.parse(await readFile(`${file}.json`, 'utf8')) as { contentType: string };
			return { bytes: new Uint8Array(await readFile(file)), contentType: meta.contentType };
		} catch (err) {
			if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
			throw new Error(`reading stored file ${key}`, { cause: err });
		}
	}

	async delete(key: string): Promise<void> {
		const file = this.#pathOf(key);
		await rm(`${file}.json`, { force: true });
		await rm(file, { force: true });
	}

	#pathOf(key: string): string {
		assertKey(key);
		return path.join(this.#root, ...key.split('/'));
	}
}

/** Temp names start with a dot, which no key segment can, so they never shadow a key. */
async function writeAtomically(file: string, data: Uint8Array | string): Promise<void> {
	const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
	try {
		await writeFile(tmp, data, { mode: 0o600, flag: 'wx' });
		await rename(tmp, file);
	} catch (err) {
		await rm(tmp, { force: true });
		throw err;
	}
}
