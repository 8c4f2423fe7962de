import { hash, verify } from '@node-rs/argon2';

/** argon2id (value 2 of @node-rs/argon2's Algorithm enum), OWASP's minimum parameters. */
const OPTIONS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
	// The cast: Algorithm is a `const enum`, which isolated modules cannot import.
	return hash(password, OPTIONS as unknown as Parameters<typeof hash>[1]);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
	try {
		return await verify(passwordHash, password);
	} catch (err) {
		throw new Error('Stored password hash is unreadable', { cause: err });
	}
}

let dummy: Promise<string> | undefined;
/** Spends the same time as a real check, so an unknown phone cannot be told apart by timing. */
export async function burnVerify(password: string): Promise<void> {
	dummy ??= hashPassword('rukun-timing-equaliser');
	await verify(await dummy, password);
}
