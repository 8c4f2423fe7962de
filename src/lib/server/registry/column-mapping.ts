import { parseHouseAddress } from '$lib/domain/registry';

/**
 * Which spreadsheet column holds which registry field. `suggestMapping` guesses
 * from the headers RT heads actually write (Indonesian or English, any case or
 * punctuation); the user confirms or corrects it on the mapping screen.
 */
export const IMPORT_FIELDS = [
	'nik',
	'kk',
	'name',
	'birth_place',
	'birth_date',
	'sex',
	'religion',
	'marital_status',
	'relation',
	'occupation',
	'phone',
	'rt',
	'block',
	'house_number',
	'address',
	'status'
] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];
export const REQUIRED_FIELDS: readonly ImportField[] = ['nik', 'kk', 'name', 'birth_date', 'sex', 'rt', 'house_number'];
/** Field → 0-based column index in `Sheet.headers`. */
export type Mapping = Partial<Record<ImportField, number>>;

/** Header spellings, normalised (lower case, words separated by one space). */
const SYNONYMS: Record<ImportField, readonly string[]> = {
	nik: ['nik', 'no nik', 'nomor nik', 'nik ktp', 'no ktp', 'nomor ktp', 'nomor induk kependudukan', 'no induk kependudukan', 'id number'],
	kk: ['kk', 'no kk', 'nomor kk', 'nkk', 'kartu keluarga', 'no kartu keluarga', 'nomor kartu keluarga', 'family card', 'family card number'],
	name: ['nama', 'nama lengkap', 'nama warga', 'nama penduduk', 'name', 'full name'],
	birth_place: ['tempat lahir', 'tmp lahir', 'place of birth', 'birth place', 'birthplace'],
	birth_date: ['tgl lahir', 'tanggal lahir', 'tgl lhr', 'date of birth', 'birth date', 'birthdate', 'dob'],
	sex: ['jk', 'l p', 'jenis kelamin', 'kelamin', 'sex', 'gender'],
	religion: ['agama', 'religion'],
	marital_status: ['status perkawinan', 'status kawin', 'status pernikahan', 'perkawinan', 'marital status'],
	relation: [
		'hubungan keluarga',
		'shdk',
		'hubungan dengan kepala keluarga',
		'hubungan dalam keluarga',
		'status hubungan dalam keluarga',
		'status dalam keluarga',
		'hubungan',
		'relation',
		'relationship'
	],
	occupation: ['pekerjaan', 'occupation', 'job', 'profesi'],
	phone: ['no hp', 'no telp', 'no telepon', 'nomor hp', 'nomor telepon', 'telepon', 'telp', 'hp', 'no wa', 'whatsapp', 'phone', 'phone number', 'mobile'],
	rt: ['rt'],
	block: ['blok', 'block'],
	// Not a bare "No.": in Indonesian tables that is usually the row number.
	house_number: ['no rumah', 'nomor rumah', 'no rmh', 'house number', 'house no'],
	address: ['alamat', 'alamat lengkap', 'address'],
	status: ['status', 'status warga', 'status penduduk', 'status tinggal', 'resident status']
};

/**
 * One-word spellings distinctive enough to find inside a longer header
 * ("NIK KTP Kepala", "Alamat (Jalan/Gang)"). Short or generic ones (no, hp, rt,
 * jk, status, nama) must be the whole header: "No. Urut" is no house number.
 */
const DISTINCT_WORDS = new Set(['nik', 'agama', 'pekerjaan', 'alamat', 'blok', 'telepon', 'telp', 'perkawinan', 'shdk', 'hubungan', 'kelamin', 'whatsapp']);

/** Words that make a header about someone else ("Nama Ayah", "NIK Kepala Keluarga"), except for `relation`. */
const OTHER_PERSON = ['ayah', 'ibu', 'suami', 'istri', 'kepala', 'father', 'mother', 'head'];

const EXACT = 1000;

function normalizeHeader(header: string): string {
	return header
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, ' ')
		.trim();
}

/** How well `synonym` names the header: 0 = not at all; a whole-header match beats any partial one. */
function score(field: ImportField, header: string, synonym: string): number {
	const words = synonym.split(' ').length;
	if (header === synonym) return EXACT + words;
	if (words === 1 && !DISTINCT_WORDS.has(synonym)) return 0;
	if (!` ${header} `.includes(` ${synonym} `)) return 0;
	const headerWords = header.split(' ');
	if (field !== 'relation' && OTHER_PERSON.some((w) => headerWords.includes(w))) return 0;
	return words;
}

/**
 * Each column goes to at most one field and each field to one column, the most
 * specific matches first: "Status Perkawinan" is marital_status, never status.
 * On a tie the leftmost column wins. Unknown headers stay unmapped.
 */
export function suggestMapping(headers: string[], rows: readonly { cells: string[] }[] = []): Mapping {
	const candidates: { column: number; field: ImportField; score: number; order: number }[] = [];
	headers.forEach((raw, column) => {
		const header = normalizeHeader(raw);
		if (header === '') return;
		IMPORT_FIELDS.forEach((field, order) => {
			const best = Math.max(...SYNONYMS[field].map((synonym) => score(field, header, synonym)));
			if (best > 0) candidates.push({ column, field, score: best, order });
		});
	});
	candidates.sort((a, b) => b.score - a.score || a.column - b.column || a.order - b.order);
	const mapping: Mapping = {};
	const used = new Set<number>();
	for (const { column, field } of candidates) {
		if (mapping[field] !== undefined || used.has(column)) continue;
		mapping[field] = column;
		used.add(column);
	}
	if (mapping.house_number === undefined) {
		const column = addressColumn(headers, rows, mapping);
		if (column !== null) {
			// The import splits `Blok C9 No. 23` into block and number (householdSchema).
			if (mapping.address === column) delete mapping.address;
			mapping.house_number = column;
		}
	}
	return mapping;
}

/** Rows looked at to recognise a column of whole addresses, and the share that must read as one. */
const SAMPLE_ROWS = 50;
const ADDRESS_SHARE = 0.8;

/**
 * A column holding block and number together (`Blok C9 No. 23`, `C9/23`) when no
 * column is named as the house number: the address column first, then any other
 * column not taken, the leftmost whose filled cells mostly read as such an address.
 */
function addressColumn(headers: string[], rows: readonly { cells: string[] }[], mapping: Mapping): number | null {
	const taken = new Set(Object.entries(mapping).filter(([field]) => field !== 'address').map(([, column]) => column));
	const candidates = headers.map((_, column) => column).filter((column) => !taken.has(column));
	candidates.sort((a, b) => Number(b === mapping.address) - Number(a === mapping.address) || a - b);
	const sample = rows.slice(0, SAMPLE_ROWS);
	for (const column of candidates) {
		const filled = sample.map((row) => row.cells[column] ?? '').filter((cell) => cell.trim() !== '');
		if (filled.length > 0 && filled.filter((cell) => parseHouseAddress(cell)).length >= ADDRESS_SHARE * filled.length) return column;
	}
	return null;
}

/** Required fields with no column; the import cannot start until this is empty. */
export function missingRequired(mapping: Mapping): ImportField[] {
	return REQUIRED_FIELDS.filter((field) => mapping[field] === undefined);
}
