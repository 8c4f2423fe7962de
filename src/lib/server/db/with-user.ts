import type { Database, Sql, Statement } from './types';

/** Who a request acts as, as far as the database is concerned. */
export interface Claims {
	/** app_user.id */
	sub: string;
	/** The RW the session is working in. */
	rw_id: string | null;
}

/**
 * Runs fn in a transaction as the Postgres role `authenticated` with the user's
 * claims set, so Row Level Security applies to every query in it: a query that
 * forgets its rw_id filter still cannot see another RW (docs/architecture.md, "Tenancy and the database as the last guard").
 * Claims and role are set in one round trip (a per-request transaction of separate calls costs ~1.1 ms on PGlite, one call ~0.7 ms).
 */
export function withUser<T>(db: Database, claims: Claims, fn: (tx: Sql) => Promise<T>): Promise<T> {
	return db.transaction(async (tx) => {
		await tx.query(SET_USER, [userClaims(claims)]);
		return fn(tx);
	});
}

const SET_USER = `select set_config('request.jwt.claims', $1, true), set_config('role', 'authenticated', true)`;
const userClaims = (claims: Claims) => JSON.stringify({ ...claims, role: 'authenticated' });

/**
 * One read as the user, like `withUser(db, claims, (tx) => tx.query(text, params))`
 * but sent as one batch: with PGlite in its worker thread the transaction is not held
 * open across messages while the main thread is busy (the hot list pages use it).
 */
export async function queryAsUser<T>(db: Database, claims: Claims, text: string, params: unknown[] = []): Promise<T[]> {
	const [rows] = await batchAsUser(db, claims, [{ text, params }]);
	return rows as T[];
}

/**
 * Statements as the user (RLS on, as `withUser`) in one transaction sent as one
 * message (`Database.batch`): returns each statement's rows. With PGlite in its
 * worker thread the session is held only while the database runs them, never across
 * a round trip to a main thread busy with MQTT, as a `withUser` transaction is for
 * each of its statements. Administrative writes that decide in between read with one
 * batch and write with another whose first statements check, with
 * `app.expect_unchanged`, that what they read still holds (`isChangedSinceRead`).
 */
export async function batchAsUser(db: Database, claims: Claims, statements: Statement[]): Promise<unknown[][]> {
	const [, ...results] = await db.batch([{ text: SET_USER, params: [userClaims(claims)] }, ...statements]);
	return results;
}

/** The error of an `app.expect_unchanged` check that failed (or of any serialisation failure): read again and decide again. */
export const isChangedSinceRead = (err: unknown): boolean => !!err && typeof err === 'object' && (err as { code?: unknown }).code === '40001';

/**
 * A list page's read as the user: `queryAsUser` with the rows sent back as one JSON
 * text built by the database (`json_agg`), parsed here with `JSON.parse`, instead of
 * field by field by the driver (and, for PGlite, cloned object by object from its
 * worker). Columns must read the same as JSON: cast dates and timestamps to text, and
 * note that bigint and numeric come back as JSON numbers (postgres.js gives strings).
 * The subquery's ORDER BY orders the array; no column may be named `list_row_`.
 *
 * On PostgreSQL it is one round trip: `app.read_as_user` sets the claims and role,
 * prepares the statement once per connection and runs it (migration
 * 20261201000000_read_as_user.sql), instead of BEGIN, the claims, the query and
 * COMMIT. The values travel as text (`asText`) and the server quotes them.
 */
export async function listAsUser<T>(db: Database, claims: Claims, text: string, params: unknown[] = []): Promise<T[]> {
	// The newline ends a trailing `--` comment of the inner query.
	const statement = `select coalesce(json_agg(list_row_), '[]')::text as rows from (${text}\n) list_row_`;
	const rows =
		db.kind === 'postgres'
			? await db.query<{ rows: string }>('select app.read_as_user($1, $2, $3::text[]) as rows', [userClaims(claims), statement, params.map(asText)])
			: await queryAsUser<{ rows: string }>(db, claims, statement, params);
	return JSON.parse(rows[0]!.rows) as T[];
}

/**
 * A parameter as PostgreSQL's text input for its type: the statement's parameter
 * types come from its own text, as when the driver prepares it. Arrays become array
 * literals (one level), Dates ISO strings (read as UTC), plain objects JSON. Unlike
 * postgres.js, a bigint, boolean or Date carries no type of its own: write casts
 * (`$1::int8`) where the statement does not fix the type.
 */
export function asText(value: unknown): string | null {
	// As postgres.js would: undefined is a bug, not NULL.
	if (value === undefined) throw new Error('asText: undefined parameter');
	if (value === null) return null;
	if (typeof value === 'string') return value;
	if (typeof value === 'number' || typeof value === 'bigint') return String(value);
	if (typeof value === 'boolean') return value ? 't' : 'f';
	if (value instanceof Date) return value.toISOString();
	if (Array.isArray(value)) {
		const element = (v: unknown) => {
			if (Array.isArray(v)) throw new Error('asText: nested arrays are not supported');
			const t = asText(v);
			return t === null ? 'NULL' : `"${t.replace(/[\\"]/g, '\\$&')}"`;
		};
		return `{${value.map(element).join(',')}}`;
	}
	if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) throw new Error('asText: binary parameters are not supported');
	if (Object.getPrototypeOf(value) !== Object.prototype) throw new Error('asText: only plain objects are sent as JSON');
	return JSON.stringify(value);
}

/** The same for a visitor who is not logged in (Postgres role `anon`). */
export function withAnon<T>(db: Database, fn: (tx: Sql) => Promise<T>): Promise<T> {
	return db.transaction(async (tx) => {
		await tx.query(
			`select set_config('request.jwt.claims', '{"role":"anon"}', true), set_config('role', 'anon', true)`
		);
		return fn(tx);
	});
}
