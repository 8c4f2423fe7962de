import type { Database } from '../db';
import { perDatabase } from '../db/per-database';

/** Where the database announces each change of an RW's dues version (migration 20261213130000). */
export const DUES_VERSION_CHANNEL = 'rukun_dues_version';

/**
 * Each RW's dues version as this process knows it, on PGlite (docs/dues.md, "Cached
 * views"): learnt from the database's announcement of every change, which reaches this
 * process before the call that committed the change returns, or read once (the stamp)
 * for an RW not heard of yet. A version never goes down here. When announcements may
 * have been missed, everything is forgotten (`clear`) and each RW is read again.
 */
export class DuesVersions {
	readonly #known = new Map<string, number>();
	#epoch = 0;

	get(rwId: string): number | undefined {
		return this.#known.get(rwId);
	}

	/** Counts `clear`s: a version read while one happened must not be kept (it may predate what was missed). */
	get epoch(): number {
		return this.#epoch;
	}

	/** Keeps `version` for the RW unless a newer one is known, or `clear` happened since `epoch` was read. */
	note(rwId: string, version: number, epoch = this.#epoch): void {
		if (epoch !== this.#epoch) return;
		const known = this.#known.get(rwId);
		if (known === undefined || version > known) this.#known.set(rwId, version);
	}

	/** An announcement: `<rw> <version>`, or `<rw>` alone when its row went. */
	hear(payload: string): void {
		const [rwId, version] = payload.split(' ');
		if (!rwId) return;
		const n = Number(version);
		if (version === undefined || !Number.isSafeInteger(n)) this.#known.delete(rwId);
		else this.note(rwId, n);
	}

	/** Forgets every version (announcements may have been missed). */
	clear(): void {
		this.#epoch++;
		this.#known.clear();
	}

	get size(): number {
		return this.#known.size;
	}
}

const followed = perDatabase<DuesVersions>();

/** The versions this process follows for `db`, or undefined where it asks the database on every request (PostgreSQL). */
export const knownVersions = followed.get;

/**
 * Follows the dues versions of `db` in this process where the database announces them
 * to it before each committing call returns: PGlite in its worker, the app's one
 * session. Called once by the runtime; returns null elsewhere (PostgreSQL: another
 * instance's write is heard only after it returned, so every request asks).
 */
export async function followDuesVersions(db: Database): Promise<DuesVersions | null> {
	if (!db.listen) return null;
	const versions = new DuesVersions();
	await db.listen(DUES_VERSION_CHANNEL, (payload) => versions.hear(payload), () => versions.clear());
	return followed.set(db, versions);
}
