import { describe, expect, it } from 'vitest';
import { pollImportJob, type Progress } from './poll-progress';

/** A server that gives these answers in turn; `Error` answers throw like a dropped connection. */
function poll(answers: (Response | Error)[], maxWaits = 5) {
	const asked: string[] = [];
	const updates: Progress[] = [];
	let waits = 0;
	const done = pollImportJob('tok3n', {
		fetch: (input) => {
			asked.push(String(input));
			const answer = answers.shift() ?? new Response(null, { status: 503 });
			return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
		},
		wait: () => {
			waits++;
			return Promise.resolve();
		},
		stopped: () => waits >= maxWaits,
		update: (p) => updates.push(p)
	});
	return done.then(() => ({ asked, updates, waits }));
}

const json = (body: object, status = 200) => new Response(JSON.stringify(body), { status });
const running = { status: 'running', done: 1000, total: 3000 };

describe('pollImportJob', () => {
	it('stops and says so when the server no longer knows the job', async () => {
		const { asked, updates, waits } = await poll([json(running), json({ error: 'not found' }, 404)]);
		expect(updates).toEqual([running, 'lost']);
		expect(waits).toBe(1);
		expect(asked).toEqual(['/import-progress/tok3n', '/import-progress/tok3n']);
	});

	it('asks again after a dropped connection or a server error, until the job ends', async () => {
		const refused = { status: 'refused', done: 0, total: 2, errors: [{ line: 3, field: 'nik', message: 'errors.nik_registered' }] };
		const { updates, waits } = await poll([new TypeError('fetch failed'), json({}, 502), json(running), json(refused)]);
		expect(updates).toEqual([running, refused]);
		expect(waits).toBe(3);
	});

	it('stops when the page goes away', async () => {
		const { updates, waits } = await poll([json(running), json(running), json(running)], 2);
		expect(updates).toEqual([running, running]);
		expect(waits).toBe(2);
	});
});
