import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { requiredAction } from './roles';
import {
	addMonths,
	allocate,
	allocationCovers,
	componentCover,
	componentsTotal,
	dueOn,
	freezeInvoice,
	invoiceStatus,
	monthOf,
	planPayment,
	wibDate,
	receiptNumber,
	reversal,
	TREASURER_AREA,
	TREASURER_NAV,
	pageParam,
	tariffFor,
	type OpenInvoice,
	type Tariff
} from './dues';

const inv = (id: string, month: string, open: number): OpenInvoice => ({ id, month, open });

describe('allocation', () => {
	it('fills the oldest month first, whatever order the invoices come in', () => {
		const plan = planPayment('p', 150_000, [inv('dec', '2026-12-01', 100_000), inv('oct', '2026-10-01', 100_000), inv('nov', '2026-11-01', 100_000)], false);
		expect(plan).toEqual({
			ok: true,
			credit: 0,
			allocations: [
				{ sourceId: 'p', invoiceId: 'oct', amount: 100_000 },
				{ sourceId: 'p', invoiceId: 'nov', amount: 50_000 }
			]
		});
	});

	it('pays part of a month (partial payment)', () => {
		const plan = planPayment('p', 30_000, [inv('a', '2026-11-01', 100_000)], false);
		expect(plan).toEqual({ ok: true, credit: 0, allocations: [{ sourceId: 'p', invoiceId: 'a', amount: 30_000 }] });
	});

	it('refuses more than is owed unless the rest is kept as credit', () => {
		const invoices = [inv('a', '2026-11-01', 100_000)];
		expect(planPayment('p', 250_000, invoices, false)).toEqual({ ok: false, reason: 'over_owed', owed: 100_000 });
		expect(planPayment('p', 250_000, invoices, true)).toEqual({
			ok: true,
			credit: 150_000,
			allocations: [{ sourceId: 'p', invoiceId: 'a', amount: 100_000 }]
		});
		expect(planPayment('p', 50_000, [], true)).toEqual({ ok: true, credit: 50_000, allocations: [] });
	});

	it('refuses negative, zero and fractional amounts', () => {
		for (const amount of [-1, 0, 1.5, Number.NaN]) expect(planPayment('p', amount, [inv('a', '2026-11-01', 10)], true)).toMatchObject({ ok: false, reason: 'amount_invalid' });
	});

	it('spends credit of older payments first, and keeps what no invoice needs', () => {
		const { allocations, left } = allocate(
			[
				{ id: 'old', available: 20_000 },
				{ id: 'new', available: 100_000 }
			],
			[inv('a', '2026-12-01', 50_000)]
		);
		expect(allocations).toEqual([
			{ sourceId: 'old', invoiceId: 'a', amount: 20_000 },
			{ sourceId: 'new', invoiceId: 'a', amount: 30_000 }
		]);
		expect(left).toEqual(new Map([['old', 0], ['new', 70_000]]));
	});

	const invoices = fc.uniqueArray(
		fc.record({ id: fc.uuid(), month: fc.integer({ min: 0, max: 60 }).map((n) => addMonths('2022-01-01', n)), open: fc.integer({ min: 1, max: 1_000_000 }) }),
		{ selector: (i) => i.id, maxLength: 24 }
	);
	const sources = fc.uniqueArray(fc.record({ id: fc.uuid(), available: fc.integer({ min: 0, max: 3_000_000 }) }), { selector: (s) => s.id, maxLength: 5 });

	it('never gives an invoice more than it owes, and loses or makes no rupiah (property)', () => {
		fc.assert(
			fc.property(sources, invoices, (srcs, invs) => {
				const { allocations, left } = allocate(srcs, invs);
				for (const i of invs) expect(allocations.filter((a) => a.invoiceId === i.id).reduce((s, a) => s + a.amount, 0)).toBeLessThanOrEqual(i.open);
				for (const s of srcs) expect(allocations.filter((a) => a.sourceId === s.id).reduce((t, a) => t + a.amount, 0) + left.get(s.id)!).toBe(s.available);
				expect(allocations.every((a) => a.amount > 0 && Number.isInteger(a.amount))).toBe(true);
				const owed = invs.reduce((s, i) => s + i.open, 0);
				const have = srcs.reduce((s, x) => s + x.available, 0);
				expect(allocations.reduce((s, a) => s + a.amount, 0)).toBe(Math.min(owed, have));
			})
		);
	});

	it('leaves no younger month paid while an older one is open (property)', () => {
		fc.assert(
			fc.property(fc.integer({ min: 1, max: 5_000_000 }), invoices, (amount, invs) => {
				const plan = planPayment('p', amount, invs, true);
				if (!plan.ok) return;
				const paid = new Map<string, number>();
				for (const a of plan.allocations) paid.set(a.invoiceId, (paid.get(a.invoiceId) ?? 0) + a.amount);
				const sorted = [...invs].sort((a, b) => a.month.localeCompare(b.month) || a.id.localeCompare(b.id));
				const firstOpen = sorted.findIndex((i) => (paid.get(i.id) ?? 0) < i.open);
				if (firstOpen >= 0) for (const later of sorted.slice(firstOpen + 1)) expect(paid.get(later.id) ?? 0).toBe(0);
			})
		);
	});
});

describe('void reversal', () => {
	it('gives back to each invoice exactly what the payment put there', () => {
		const plan = planPayment('p', 250_000, [inv('a', '2026-10-01', 100_000), inv('b', '2026-11-01', 100_000), inv('c', '2026-12-01', 100_000)], false);
		if (!plan.ok) throw new Error('plan refused');
		expect(reversal(plan.allocations)).toEqual(
			new Map([
				['a', 100_000],
				['b', 100_000],
				['c', 50_000]
			])
		);
		expect(reversal([{ invoiceId: 'a', amount: 1 }, { invoiceId: 'a', amount: 2 }])).toEqual(new Map([['a', 3]]));
	});

	it('restores every invoice to its state before the payment (property)', () => {
		fc.assert(
			fc.property(fc.integer({ min: 1, max: 5_000_000 }), fc.array(fc.integer({ min: 1, max: 500_000 }), { maxLength: 12 }), (amount, opens) => {
				const invs = opens.map((open, n) => inv(`i${n}`, addMonths('2026-01-01', n), open));
				const plan = planPayment('p', amount, invs, true);
				if (!plan.ok) return;
				const back = reversal(plan.allocations);
				for (const i of invs) {
					const put = plan.allocations.filter((a) => a.invoiceId === i.id).reduce((s, a) => s + a.amount, 0);
					expect(back.get(i.id) ?? 0).toBe(put);
				}
			})
		);
	});
});

describe('tariffs', () => {
	const tariffs: Tariff[] = [
		{ id: 'rw-2025', category: 'house', rtId: null, validFrom: '2025-01-01', components: [{ name: 'keamanan', amount: 50_000 }] },
		{ id: 'rw-2026', category: 'house', rtId: null, validFrom: '2026-07-01', components: [{ name: 'keamanan', amount: 60_000 }] },
		{ id: 'rt1', category: 'house', rtId: 'rt1', validFrom: '2026-01-01', components: [{ name: 'keamanan', amount: 70_000 }] },
		{ id: 'shop', category: 'shop', rtId: null, validFrom: '2025-01-01', components: [{ name: 'keamanan', amount: 100_000 }, { name: 'kebersihan', amount: 25_000 }] }
	];

	it('takes the RT tariff over the RW one, and the latest valid one', () => {
		expect(tariffFor(tariffs, { category: 'house', rtId: 'rt2' }, '2026-06-01')?.id).toBe('rw-2025');
		expect(tariffFor(tariffs, { category: 'house', rtId: 'rt2' }, '2026-07-01')?.id).toBe('rw-2026');
		expect(tariffFor(tariffs, { category: 'house', rtId: 'rt1' }, '2026-12-01')?.id).toBe('rt1');
		expect(tariffFor(tariffs, { category: 'house', rtId: 'rt1' }, '2025-12-01')?.id).toBe('rw-2025');
		expect(tariffFor(tariffs, { category: 'empty_lot', rtId: 'rt1' }, '2026-12-01')).toBeNull();
		expect(tariffFor(tariffs, { category: 'house', rtId: 'rt2' }, '2024-12-01')).toBeNull();
	});

	it('freezes a copy: changing the tariff afterwards does not change the invoice', () => {
		const tariff: Tariff = { id: 't', category: 'shop', rtId: null, validFrom: '2026-01-01', components: [{ name: 'keamanan', amount: 100_000 }, { name: 'kebersihan', amount: 25_000 }] };
		const invoice = freezeInvoice(tariff);
		(tariff.components as { name: string; amount: number }[])[0]!.amount = 999_999;
		expect(invoice).toEqual({ tariffId: 't', amount: 125_000, components: [{ name: 'keamanan', amount: 100_000 }, { name: 'kebersihan', amount: 25_000 }] });
	});

	it('accepts only whole non-negative rupiah components with a name', () => {
		expect(componentsTotal([{ name: 'keamanan', amount: 50_000 }, { name: 'kebersihan', amount: 0 }])).toBe(50_000);
		expect(componentsTotal([])).toBeNull();
		expect(componentsTotal([{ name: 'keamanan', amount: -1 }])).toBeNull();
		expect(componentsTotal([{ name: 'keamanan', amount: 1.5 }])).toBeNull();
		expect(componentsTotal([{ name: '', amount: 1 }])).toBeNull();
	});

	it('splits what was paid over the components in their order', () => {
		const c = [{ name: 'keamanan', amount: 50_000 }, { name: 'kebersihan', amount: 25_000 }];
		expect(componentCover(c, 60_000)).toEqual([{ name: 'keamanan', amount: 50_000 }, { name: 'kebersihan', amount: 10_000 }]);
		expect(componentCover(c, 0)).toEqual([{ name: 'keamanan', amount: 0 }, { name: 'kebersihan', amount: 0 }]);
	});
});

describe('allocation covers (income by component)', () => {
	const c = [{ name: 'keamanan', amount: 50_000 }, { name: 'kebersihan', amount: 25_000 }];

	it('gives each allocation the slice of the components it pays, after what the invoice had', () => {
		const invoices = new Map([['a', { components: c, paid: 40_000 }]]);
		expect(allocationCovers([{ invoiceId: 'a', amount: 20_000 }, { invoiceId: 'a', amount: 15_000 }], invoices)).toEqual([
			[{ name: 'keamanan', amount: 10_000 }, { name: 'kebersihan', amount: 10_000 }],
			[{ name: 'keamanan', amount: 0 }, { name: 'kebersihan', amount: 15_000 }]
		]);
	});

	it('adds up to each allocation and, per invoice, to what it covers in total', () => {
		fc.assert(
			fc.property(
				fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: 1, maxLength: 4 }),
				fc.array(fc.integer({ min: 1, max: 60_000 }), { maxLength: 6 }),
				fc.integer({ min: 0, max: 100_000 }),
				(amounts, parts, paidRaw) => {
					const components = amounts.map((amount, i) => ({ name: `k${i}`, amount }));
					const total = amounts.reduce((s, a) => s + a, 0);
					const paid = Math.min(paidRaw, total);
					// Allocations never exceed what is open.
					const allocations: { invoiceId: string; amount: number }[] = [];
					let open = total - paid;
					for (const p of parts) {
						const amount = Math.min(p, open);
						if (amount === 0) break;
						allocations.push({ invoiceId: 'x', amount });
						open -= amount;
					}
					const covers = allocationCovers(allocations, new Map([['x', { components, paid }]]));
					covers.forEach((cover, i) => {
						expect(cover.every((k) => k.amount >= 0)).toBe(true);
						expect(cover.reduce((s, k) => s + k.amount, 0)).toBe(allocations[i]!.amount);
					});
					const after = componentCover(components, total - open);
					const before = componentCover(components, paid);
					components.forEach((k, j) => expect(covers.reduce((s, cover) => s + cover[j]!.amount, 0)).toBe(after[j]!.amount - before[j]!.amount));
				}
			)
		);
	});
});

describe('months and dates', () => {
	it('takes the month in WIB', () => {
		expect(monthOf(new Date('2026-11-30T17:30:00Z'))).toBe('2026-12-01');
		expect(monthOf(new Date('2026-11-30T16:30:00Z'))).toBe('2026-11-01');
	});
	it('takes the day in WIB as the Asia/Jakarta calendar does', () => {
		const jakarta = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Jakarta', year: 'numeric', month: '2-digit', day: '2-digit' });
		fc.assert(
			fc.property(fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2100, 0, 1) }), (ms) => {
				expect(wibDate(new Date(ms))).toBe(jakarta.format(new Date(ms)));
			})
		);
		expect(wibDate(new Date('2026-12-31T16:59:59.999Z'))).toBe('2026-12-31');
		expect(wibDate(new Date('2026-12-31T17:00:00Z'))).toBe('2027-01-01');
	});
	it('adds months across years', () => {
		expect(addMonths('2026-12-01', 1)).toBe('2027-01-01');
		expect(addMonths('2026-01-01', -1)).toBe('2025-12-01');
		expect(addMonths('2026-01-01', -25)).toBe('2023-12-01');
	});
	it('is overdue after the configured day', () => {
		const invoice = { amount: 100, paid: 0, dueOn: dueOn('2026-12-01', 10) };
		expect(invoice.dueOn).toBe('2026-12-10');
		expect(invoiceStatus(invoice, '2026-12-10')).toBe('open');
		expect(invoiceStatus(invoice, '2026-12-11')).toBe('overdue');
		expect(invoiceStatus({ ...invoice, paid: 40 }, '2026-12-01')).toBe('partial');
		expect(invoiceStatus({ ...invoice, paid: 100 }, '2027-01-01')).toBe('paid');
	});
	it('numbers receipts per RW and year', () => {
		expect(receiptNumber(7, 'RW012', 2026)).toBe('KW-0007/RW012/2026');
	});
});

describe("the treasurer's menu", () => {
	// Every page of the area, as a path: src/routes/treasurer/kas/+page.svelte → /treasurer/kas.
	const root = path.resolve('src/routes');
	const pages = (readdirSync(path.join(root, TREASURER_AREA.slice(1)), { recursive: true }) as string[])
		.filter((f) => path.basename(f) === '+page.svelte')
		.map((f) => `${TREASURER_AREA}/${path.dirname(f)}`.replace(/\/\.$/, '').replaceAll(path.sep, '/'));

	it('lists every page of the treasurer area (dynamic pages aside)', () => {
		expect(pages.length).toBeGreaterThan(3);
		const listed = new Set(TREASURER_NAV.map((l) => l.href));
		expect(pages.filter((p) => !p.includes('[') && !listed.has(p))).toEqual([]);
	});

	it('links only to pages the route guard sends treasurers to, or open to every member', () => {
		for (const link of TREASURER_NAV) expect([link.href, requiredAction(link.href)]).toEqual([link.href, link.href.startsWith(TREASURER_AREA) ? 'area.treasurer' : 'member']);
	});
});

describe('pageParam', () => {
	it('reads a whole page number from 1; anything else is the first page', () => {
		expect([pageParam('3'), pageParam('1'), pageParam(null)]).toEqual([3, 1, 1]);
		for (const raw of ['0', '-2', '1.5', 'dua', '', '99999', '2e3']) expect(pageParam(raw), raw).toBe(1);
	});
});
