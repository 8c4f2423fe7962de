import postgres from 'postgres';
import type { Database, Sql, Statement } from './types';

type Client = postgres.Sql | postgres.TransactionSql;

function wrap(client: Client): Sql {
	return {
		async query<T>(text: string, params: unknown[] = []) {
			const rows = await client.unsafe(text, params as postgres.ParameterOrJSON<never>[]);
			return rows as unknown as T[];
		},
		async exec(text: string) {
			// Without parameters postgres.js uses the simple protocol: several statements run.
			await client.unsafe(text);
		}
	};
}

/** A real PostgreSQL (or a Supabase project's Postgres) through `postgres`. */
export function openPostgres(url: string, options: { max?: number } = {}): Database {
	const client = postgres(url, {
		max: options.max ?? 10,
		onnotice: () => {},
		idle_timeout: 30,
		connect_timeout: 10
	});
	const sql = wrap(client);
	return {
		kind: 'postgres',
		...sql,
		transaction: async (fn) => (await client.begin((tx) => fn(wrap(tx)))) as Awaited<ReturnType<typeof fn>>,
		// Returning the statements unawaited lets postgres.js pipeline them: one round trip.
		batch: async (statements: Statement[]) =>
			(await client.begin((tx) =>
				statements.map((s) => tx.unsafe(s.text, (s.params ?? []) as postgres.ParameterOrJSON<never>[]))
			)) as unknown as unknown[][],
		async ping() {
			try {
				await client`select 1`;
				return true;
			} catch {
				return false;
			}
		},
		close: () => client.end({ timeout: 5 })
	};
}
