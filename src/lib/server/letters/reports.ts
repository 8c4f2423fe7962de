import { withUser, type Database } from '../db';
import type { SessionUser } from '../auth/sessions';
import { median, skmGrade, skmIndex, SKM_ELEMENTS } from '$lib/domain/letters';
import type { LetterStats } from '$lib/views/letters';

export type { LetterStats };

/** Letter statistics and the SKM survey report for the RW (SKM: Permenpan RB 14/2017, docs/domain.md "Administrative letters"). */


export async function letterStats(db: Database, user: SessionUser, now = new Date()): Promise<LetterStats> {
	return withUser(db, { sub: user.id, rw_id: user.rwId }, async (tx) => {
		const monthRows = await tx.query<{ m: string }>(
			`select to_char(generate_series(date_trunc('month', ($1::timestamptz at time zone 'Asia/Jakarta')) - interval '11 months',
			        date_trunc('month', ($1::timestamptz at time zone 'Asia/Jakarta')), interval '1 month'), 'YYYY-MM') as m`,
			[now]
		);
		const months = monthRows.map((r) => r.m);
		const counts = await tx.query<{ name: string; m: string; n: number }>(
			`select s.name, to_char(q.submitted_at at time zone 'Asia/Jakarta', 'YYYY-MM') as m, count(*)::int as n
			   from letter_request q join letter_service s on s.id = q.service_id
			  where q.rw_id = $1 and q.submitted_at is not null
			    and q.submitted_at >= (date_trunc('month', ($2::timestamptz at time zone 'Asia/Jakarta')) - interval '11 months') at time zone 'Asia/Jakarta'
			  group by 1, 2`,
			[user.rwId, now]
		);
		const names = [...new Set(counts.map((c) => c.name))].sort();
		const byService = names.map((name) => {
			const row = months.map((m) => counts.find((c) => c.name === name && c.m === m)?.n ?? 0);
			return { name, counts: row, total: row.reduce((a, b) => a + b, 0) };
		});
		const byRt = await tx.query<{ rt_number: number; total: number }>(
			`select rt.number as rt_number, count(*)::int as total from letter_request q join rt on rt.id = q.rt_id
			  where q.rw_id = $1 and q.submitted_at is not null group by rt.number order by rt.number`,
			[user.rwId]
		);
		const durations = await tx.query<{ name: string; days: number | null; hours: number }>(
			`select s.name, s.days, extract(epoch from (l.issued_at - q.submitted_at)) / 3600.0 as hours
			   from letter l join letter_request q on q.id = l.request_id join letter_service s on s.id = q.service_id
			  where l.rw_id = $1 and q.submitted_at is not null`,
			[user.rwId]
		);
		const perService = new Map<string, { days: number | null; hours: number[] }>();
		for (const d of durations) {
			const entry = perService.get(d.name) ?? { days: d.days, hours: [] };
			entry.hours.push(Number(d.hours));
			perService.set(d.name, entry);
		}
		const medianHours = [...perService.entries()]
			.map(([name, e]) => ({ name, days: e.days, issued: e.hours.length, hours: median(e.hours) }))
			.sort((a, b) => b.issued - a.issued);
		return { months, byService, byRt, medianHours };
	});
}

export interface SurveyReportRow {
	month: string;
	service: string;
	responses: number;
	/** Mean per element (1–4), in SKM_ELEMENTS order. */
	elements: number[];
	index: number;
	grade: 'A' | 'B' | 'C' | 'D';
}

export interface SurveyComment {
	service: string;
	comment: string;
	at: string;
}

/** SKM per service and month: element means, the index (mean × 25) and grade. */
export async function surveyReport(db: Database, user: SessionUser): Promise<{ rows: SurveyReportRow[]; comments: SurveyComment[] }> {
	return withUser(db, { sub: user.id, rw_id: user.rwId }, async (tx) => {
		const responses = await tx.query<{ month: string; service: string; scores: number[] }>(
			`select to_char(v.created_at at time zone 'Asia/Jakarta', 'YYYY-MM') as month, s.name as service, v.scores
			   from letter_survey v join letter_service s on s.id = v.service_id
			  where v.rw_id = $1 order by 1 desc, 2`,
			[user.rwId]
		);
		const groups = new Map<string, { month: string; service: string; scores: number[][] }>();
		for (const r of responses) {
			const key = `${r.month}|${r.service}`;
			const g = groups.get(key) ?? { month: r.month, service: r.service, scores: [] };
			g.scores.push(r.scores.map(Number));
			groups.set(key, g);
		}
		const rows = [...groups.values()].map((g) => {
			const index = skmIndex(g.scores)!;
			return {
				month: g.month,
				service: g.service,
				responses: g.scores.length,
				elements: SKM_ELEMENTS.map((_, i) => Math.round((g.scores.reduce((sum, s) => sum + s[i]!, 0) / g.scores.length) * 100) / 100),
				index,
				grade: skmGrade(index)
			};
		});
		const comments = await tx.query<SurveyComment>(
			`select s.name as service, v.comment, v.created_at as at from letter_survey v join letter_service s on s.id = v.service_id
			  where v.rw_id = $1 and v.comment <> '' order by v.created_at desc limit 50`,
			[user.rwId]
		);
		return { rows, comments };
	});
}
