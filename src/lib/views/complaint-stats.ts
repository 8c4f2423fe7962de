/** Complaint statistics as the statistics pages show them (src/lib/server/complaints/stats.ts). */
export interface ComplaintStats {
	/** The last 12 months in WIB, oldest first, as `YYYY-MM`. */
	months: string[];
	/** Reports per month, aligned with `months`. */
	perMonth: number[];
	/** The category's names; the English interface shows `name_en`, else `name` (categoryName()). */
	perCategory: { name: string; name_en: string | null; count: number }[];
	perRt: { number: number; name: string; count: number }[];
	total: number;
	/** Median hours from the report to selesai, of the complaints fixed; null: none fixed. */
	medianHoursToFixed: number | null;
	fixed: number;
	/** Closed without a fix (ditutup). */
	closed: number;
	open: number;
	/** Share of the finished (fixed + closed) that were fixed, 0–1; null: none finished. */
	fixedShare: number | null;
	/** Mean rating 1–5 to two decimals; null: none rated. */
	rating: number | null;
	ratings: number;
}
