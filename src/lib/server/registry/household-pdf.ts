/**
 * A resident's own household data as a PDF (UU 27/2022 art. 7: access to one's own
 * data, in a form a person can read and keep). The same data as the JSON export:
 * NIK and KK masked as everywhere, no reveal. Labels come from the i18n layer in the
 * user's language.
 */
import PDFDocument from 'pdfkit';
import { formatDate, formatDateTime } from '$lib/domain/time';
import { translate, type Locale } from '$lib/i18n';
import { collectPdf, registerPdfFonts } from '../letters/pdf';
import type { HouseholdView } from './residents';
import { housePlace } from '$lib/domain/registry';

export interface HouseholdPdfInput {
	rwName: string | null;
	households: HouseholdView[];
	exportedAt: Date;
	locale: Locale;
}

const MM = 72 / 25.4;

export async function renderHouseholdPdf(input: HouseholdPdfInput): Promise<Uint8Array> {
	const t = (key: string, params?: Record<string, string | number>) => translate(input.locale, key, params);
	const doc = new PDFDocument({
		size: 'A4',
		margins: { top: 18 * MM, bottom: 18 * MM, left: 20 * MM, right: 20 * MM },
		info: { Title: t('household.title'), Creator: 'Rukun', Producer: 'Rukun (PDFKit)' }
	});
	const bytes = collectPdf(doc);
	await registerPdfFonts(doc);

	doc.font('serif-bold').fontSize(16).text(t('household.title'));
	doc.font('serif').fontSize(10);
	if (input.rwName) doc.text(input.rwName);
	doc.text(t('household.pdf_exported', { at: formatDateTime(input.exportedAt, input.locale) }));
	doc.moveDown(0.5).fontSize(9).fillColor('#444').text(t('household.pdf_note')).fillColor('#000');

	if (input.households.length === 0) doc.moveDown().fontSize(11).text(t('household.none'));
	for (const h of input.households) {
		doc.moveDown(1.2).font('serif-bold').fontSize(12).text(`${t('registry.kk')} ${h.kk_masked}`);
		const place = housePlace(h);
		doc.font('serif').fontSize(10).text(place);
		for (const m of h.members) {
			doc.moveDown(0.6).font('serif-bold').fontSize(11).text(m.name);
			const rows: [string, string][] = [
				[t('field.nik'), m.nik_masked],
				[t('field.relation'), t(`relation.${m.relation}`)],
				[t('field.sex'), t(`sex.${m.sex}`)],
				[t('field.birth_place'), `${m.birth_place}, ${formatDate(m.birth_date, input.locale)}`],
				[t('field.religion'), m.religion ? t(`religion.${m.religion}`) : '—'],
				[t('field.marital_status'), m.marital_status ? t(`marital.${m.marital_status}`) : '—'],
				[t('field.occupation'), m.occupation || '—'],
				[t('field.status'), t(`status.${m.status}`)]
			];
			doc.font('serif').fontSize(10);
			for (const [label, value] of rows) doc.text(`${label}: ${value}`, { indent: 8 * MM });
		}
	}
	doc.end();
	return bytes;
}
