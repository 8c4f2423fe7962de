// The layers of docs/architecture.md ("Layers"), as import restrictions per folder.
// Each block sets `no-restricted-imports` for its files only; a file matches at most
// one block (later blocks would replace, not extend, an earlier one's list).
// tests/lint/layers.spec.ts runs ESLint on a violating snippet for every rule.

const WHY = 'see docs/architecture.md, "Layers"';

/** Node built-ins, with or without the `node:` prefix. */
const NODE_BUILTINS =
	'^(node:.*|fs|fs/.*|path|os|crypto|child_process|worker_threads|net|tls|http|https|http2|dns|stream|stream/.*|zlib|url|util|events|buffer|process|timers|timers/.*|readline|cluster|dgram|v8|vm|perf_hooks|async_hooks)$';
/** Packages that talk to a database, a broker, the network or the disk. */
const IO_PACKAGES =
	'^(pg|pg-.*|postgres|@electric-sql/.*|mqtt|mqtt-.*|aedes|aedes-.*|websocket-stream|ws|@supabase/.*|pdfkit|sharp|exceljs|xlsx|qrcode|web-push|@node-rs/.*|autocannon)(/.*)?$';
/** Server code, by alias or by relative path. */
const SERVER = '^(\\$lib/server|\\$lib/web)(/.*)?$|(^|/)lib/(server|web)(/|$)|^(\\.\\./)+(server|web)(/|$)';
const SVELTEKIT = '^(@sveltejs/kit(/.*)?|\\$app/.*|\\$env/.*)$';

const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

export const layers = [
	{
		// Domain rules are pure: same input, same answer, no I/O, no framework.
		files: ['src/lib/domain/**/*.ts'],
		ignores: ['src/lib/domain/**/*.spec.ts'],
		rules: restrict([
			{ regex: NODE_BUILTINS, message: `src/lib/domain is pure: no Node I/O (${WHY}).` },
			{ regex: IO_PACKAGES, message: `src/lib/domain is pure: no database, broker or file packages (${WHY}).` },
			{ regex: SERVER, message: `src/lib/domain may not import server code (${WHY}).` },
			{ regex: SVELTEKIT, message: `src/lib/domain may not import SvelteKit (${WHY}).` }
		])
	},
	{
		// Services run from routes, scripts, benchmarks and the ingest alike.
		files: ['src/lib/server/**/*.ts'],
		rules: restrict([
			{
				regex: SVELTEKIT,
				message: `src/lib/server may not import SvelteKit: return values, and let the route or src/lib/web turn them into responses (${WHY}).`
			}
		])
	},
	{
		// What runs (or may run) in the browser never sees server code, not even its types.
		files: ['**/*.svelte', '**/*.svelte.ts', 'src/lib/components/**/*.ts', 'src/lib/views/**/*.ts', 'src/lib/client/**/*.ts'],
		rules: restrict([
			{
				regex: SERVER,
				message: `UI code may not import $lib/server or $lib/web, not even a type: put shared page-data types in src/lib/views (${WHY}).`
			}
		])
	},
	{
		// The simulator stands in for someone else's firmware: it speaks only MQTT.
		files: ['firmware-sim/**/*.ts'],
		rules: restrict([
			{ regex: '(^|/)src(/|$)|^\\$lib(/|$)', message: `firmware-sim imports nothing from src: it speaks only MQTT (${WHY}).` }
		])
	}
];
