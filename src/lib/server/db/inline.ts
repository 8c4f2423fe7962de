// A batch of parameterised statements written as one simple-protocol query, for the
// PostgreSQL driver's worker: one round trip instead of three (BEGIN, the statements,
// COMMIT). PostgreSQL runs the statements of one simple query as one implicit
// transaction, so `set_config(..., true)` lasts until its end and an error rolls all
// of it back: what `Database.batch` promises.
//
// Measured (100 concurrent readers, loopback PostgreSQL 15, a registry list page's
// claims + query): BEGIN/pipeline/COMMIT 1,718-1,752 batches/s at 0.41 ms driver and
// 0.57 ms server CPU per batch; one simple query 3,724-3,874/s at 0.13 and 0.35 ms.
//
// Values become SQL literals only where that is exact: strings are quoted with '' for
// a quote, which is the whole escaping only while standard_conforming_strings is on
// (the caller checks it once per pool); the literals are untyped, as postgres.js sends
// strings and numbers, so PostgreSQL infers their type from the context as it does
// for a parameter. A value of any other kind (bytes, JSON objects, nested arrays, a
// string with NUL) gives null: the caller then keeps the extended protocol.

const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** One array element inside an array literal (`{"a","b"}`), or null when it cannot be one. */
function arrayElement(value: unknown): string | null {
	// A null element is left to postgres.js, which sends it differently (as the text "NULL").
	if (typeof value === 'string') return value.includes('\0') ? null : `"${value.replace(/[\\"]/g, '\\$&')}"`;
	if (typeof value === 'number') return Number.isFinite(value) ? String(value) : null;
	return null;
}

/** The SQL literal for a parameter value, or null when it has no exact one here. */
export function sqlLiteral(value: unknown): string | null {
	if (value === null || value === undefined) return 'null';
	if (typeof value === 'string') return value.includes('\0') ? null : quote(value);
	if (typeof value === 'number') return Number.isFinite(value) ? quote(String(value)) : null;
	if (typeof value === 'boolean') return value ? 'true' : 'false';
	// postgres.js sends these typed: int8, timestamptz, and text[] for strings.
	if (typeof value === 'bigint') return `(${quote(String(value))}::int8)`;
	if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : `(${quote(value.toISOString())}::timestamptz)`;
	if (Array.isArray(value)) {
		const elements = value.map(arrayElement);
		if (elements.some((e) => e === null)) return null;
		const literal = quote(`{${elements.join(',')}}`);
		return value.every((v) => typeof v === 'string') ? `(${literal}::text[])` : literal;
	}
	return null;
}

const IDENT = /[A-Za-z0-9_$\u0080-\uffff]/;

/** Index just past the quoted text that starts at `start` (`'…'`, `"…"`, with doubled quotes; E'…' with backslashes). */
function skipQuoted(text: string, start: number, mark: string, backslashes: boolean): number {
	let i = start + 1;
	while (i < text.length) {
		const c = text[i];
		if (backslashes && c === '\\') i += 2;
		else if (c === mark && text[i + 1] === mark) i += 2;
		else if (c === mark) return i + 1;
		else i += 1;
	}
	return text.length;
}

/**
 * `text` with each `$n` outside strings, quoted identifiers, comments and dollar
 * quotes replaced by the literal of `params[n - 1]`; null when a value has no exact
 * literal or a `$n` has no value.
 */
export function inlineParams(text: string, params: readonly unknown[]): string | null {
	const literals = params.map(sqlLiteral);
	if (literals.some((l) => l === null)) return null;
	let out = '';
	let from = 0;
	let i = 0;
	while (i < text.length) {
		const c = text[i]!;
		const next = text[i + 1];
		if (c === "'") {
			const escaped = (text[i - 1] === 'E' || text[i - 1] === 'e') && !IDENT.test(text[i - 2] ?? ' ');
			i = skipQuoted(text, i, "'", escaped);
		} else if (c === '"') {
			i = skipQuoted(text, i, '"', false);
		} else if (c === '-' && next === '-') {
			const end = text.indexOf('\n', i);
			i = end < 0 ? text.length : end + 1;
		} else if (c === '/' && next === '*') {
			// Block comments nest in PostgreSQL.
			let depth = 1;
			i += 2;
			while (i < text.length && depth > 0) {
				const pair = text.slice(i, i + 2);
				depth += pair === '/*' ? 1 : pair === '*/' ? -1 : 0;
				i += pair === '/*' || pair === '*/' ? 2 : 1;
			}
		} else if (c === '$' && !IDENT.test(text[i - 1] ?? ' ')) {
			const placeholder = /^\$(\d+)/.exec(text.slice(i, i + 12));
			const dollarQuote = placeholder ? null : /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i, i + 64));
			if (placeholder) {
				const literal = literals[Number(placeholder[1]) - 1];
				if (literal === undefined) return null;
				out += text.slice(from, i) + literal;
				i += placeholder[0].length;
				from = i;
			} else if (dollarQuote) {
				const end = text.indexOf(dollarQuote[0], i + dollarQuote[0].length);
				i = end < 0 ? text.length : end + dollarQuote[0].length;
			} else {
				i += 1;
			}
		} else {
			i += 1;
		}
	}
	return out + text.slice(from);
}

/**
 * The statements as one simple-protocol query (`;`-separated), or null when one of
 * them cannot be written that way.
 */
export function inlineBatch(statements: readonly { text: string; params?: unknown[] }[]): string | null {
	const parts: string[] = [];
	for (const s of statements) {
		const text = inlineParams(s.text.replace(/[\s;]+$/, ''), s.params ?? []);
		if (text === null || text.trim() === '') return null;
		parts.push(text);
	}
	// A newline first: a statement may end in a `--` comment.
	return parts.join('\n;\n');
}
