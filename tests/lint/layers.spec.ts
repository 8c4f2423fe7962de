import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The layer rules of docs/architecture.md ("Layers") refuse each kind of violation.
 * Each case lints a snippet as if it were the content of a real file of that folder,
 * with the project's own eslint.config.js, and expects `no-restricted-imports`. Only
 * that rule runs, without type information (which takes ~20 s to build and which
 * import rules do not need).
 */
const eslint = new ESLint({
	cwd: process.cwd(),
	overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: null } } },
	ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports'
});

async function restricted(filePath: string, code: string): Promise<string[]> {
	const results = await eslint.lintText(code, { filePath });
	return results.flatMap((r) => r.messages).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const cases: { name: string; file: string; code: string }[] = [
	{ name: 'domain importing node:fs', file: 'src/lib/domain/nik.ts', code: "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n" },
	{ name: 'domain importing fs without the prefix', file: 'src/lib/domain/nik.ts', code: "import { readFileSync } from 'fs';\nexport const f = readFileSync;\n" },
	{ name: 'domain importing a database package', file: 'src/lib/domain/nik.ts', code: "import { PGlite } from '@electric-sql/pglite';\nexport const p = PGlite;\n" },
	{ name: 'domain importing postgres', file: 'src/lib/domain/nik.ts', code: "import postgres from 'postgres';\nexport const p = postgres;\n" },
	{ name: 'domain importing mqtt', file: 'src/lib/domain/nik.ts', code: "import mqtt from 'mqtt';\nexport const m = mqtt;\n" },
	{ name: 'domain importing aedes', file: 'src/lib/domain/nik.ts', code: "import { Aedes } from 'aedes';\nexport const a = Aedes;\n" },
	{ name: 'domain importing $lib/server', file: 'src/lib/domain/nik.ts', code: "import type { Database } from '$lib/server/db';\nexport type D = Database;\n" },
	{ name: 'domain importing server code by a relative path', file: 'src/lib/domain/nik.ts', code: "import type { Database } from '../server/db';\nexport type D = Database;\n" },
	{ name: 'domain importing SvelteKit', file: 'src/lib/domain/nik.ts', code: "import { error } from '@sveltejs/kit';\nexport const e = error;\n" },
	{ name: 'domain importing $app', file: 'src/lib/domain/nik.ts', code: "import { browser } from '$app/environment';\nexport const b = browser;\n" },
	{ name: 'server importing SvelteKit', file: 'src/lib/server/health.ts', code: "import { error } from '@sveltejs/kit';\nexport const e = error;\n" },
	{ name: 'server importing a SvelteKit type', file: 'src/lib/server/health.ts', code: "import type { RequestEvent } from '@sveltejs/kit';\nexport type E = RequestEvent;\n" },
	{ name: 'server importing $app', file: 'src/lib/server/health.ts', code: "import { building } from '$app/environment';\nexport const b = building;\n" },
	{
		name: 'a component importing a server type',
		file: 'src/lib/components/letters/StatusBadge.svelte',
		code: "<script lang=\"ts\">\n\timport type { Database } from '$lib/server/db';\n\tlet { db }: { db: Database } = $props();\n</script>\n<p>{String(db)}</p>\n"
	},
	{
		name: 'a route page importing server code',
		file: 'src/routes/offline/+page.svelte',
		code: "<script lang=\"ts\">\n\timport { getRuntime } from '$lib/server/runtime';\n\tconst r = getRuntime();\n</script>\n<p>{String(r)}</p>\n"
	},
	{
		name: 'a component importing SvelteKit glue',
		file: 'src/lib/components/letters/StatusBadge.svelte',
		code: "<script lang=\"ts\">\n\timport type { ActionFailure } from '$lib/web/action-result';\n\tlet { f }: { f: ActionFailure } = $props();\n</script>\n<p>{String(f)}</p>\n"
	},
	{ name: 'a component helper importing a server type', file: 'src/lib/components/devices/health.ts', code: "import type { Database } from '$lib/server/db';\nexport type D = Database;\n" },
	{ name: 'the simulator importing src', file: 'firmware-sim/lib/rng.ts', code: "import { seededRandom } from '../../src/lib/domain/random';\nexport const r = seededRandom;\n" },
	{ name: 'the simulator importing $lib', file: 'firmware-sim/lib/rng.ts', code: "import { seededRandom } from '$lib/domain/random';\nexport const r = seededRandom;\n" }
];

describe('layer rules (eslint.layers.js)', () => {
	// Loading the config and its plugins takes seconds; do it once, outside the cases.
	beforeAll(async () => {
		await eslint.calculateConfigForFile('src/lib/domain/nik.ts');
	}, 60_000);

	it.each(cases)('refuses $name', async ({ file, code }) => {
		expect(await restricted(file, code)).toHaveLength(1);
	});

	it.each([
		{ file: 'src/lib/domain/nik.ts', code: "import { toRoman } from './letter-number';\nexport const r = toRoman;\n" },
		{ file: 'src/lib/server/health.ts', code: "import { maskId } from '$lib/domain/nik';\nexport const m = maskId;\n" },
		{ file: 'src/routes/offline/+page.svelte', code: "<script lang=\"ts\">\n\timport { maskId } from '$lib/domain/nik';\n</script>\n<p>{maskId('3175014101900001')}</p>\n" }
	])('lets $file import what its layer may', async ({ file, code }) => {
		expect(await restricted(file, code)).toEqual([]);
	});
});
