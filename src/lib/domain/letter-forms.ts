/**
 * Request forms and letter bodies per service. The catalogue file
 * (`layanan.json`) gives each service's public standard; what a resident must fill
 * in and how the body reads are ours, keyed by the service's `kind`, and the RW
 * admin edits both afterwards. Labels and bodies are letter content (Bahasa
 * Indonesia, as the letter itself), not interface strings.
 */

export const FIELD_TYPES = ['text', 'textarea', 'date', 'number'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export interface ServiceField {
	key: string;
	label: string;
	type: FieldType;
	required: boolean;
}

/** Placeholders every body template may use, filled from the registry and the RW. */
export const STANDARD_PLACEHOLDERS = [
	'nama',
	'nik',
	'ttl',
	'jenis_kelamin',
	'agama',
	'status_perkawinan',
	'pekerjaan',
	'alamat',
	'rt',
	'rw',
	'kelurahan',
	'kecamatan',
	'kota',
	'layanan',
	'produk'
] as const;

const purpose: ServiceField = { key: 'keperluan', label: 'Keperluan', type: 'textarea', required: true };

const FIELDS: Record<string, ServiceField[]> = {
	'SP-LHR': [
		{ key: 'nama_anak', label: 'Nama anak', type: 'text', required: true },
		{ key: 'tempat_lahir_anak', label: 'Tempat lahir anak', type: 'text', required: true },
		{ key: 'tanggal_lahir_anak', label: 'Tanggal lahir anak', type: 'date', required: true },
		purpose
	],
	'SK-MATI': [
		{ key: 'tanggal_meninggal', label: 'Tanggal meninggal', type: 'date', required: true },
		{ key: 'tempat_meninggal', label: 'Tempat meninggal', type: 'text', required: true },
		{ key: 'sebab_meninggal', label: 'Sebab meninggal', type: 'text', required: false },
		purpose
	],
	'SP-PINDAH': [
		{ key: 'alamat_tujuan', label: 'Alamat tujuan pindah', type: 'textarea', required: true },
		{ key: 'alasan_pindah', label: 'Alasan pindah', type: 'text', required: true },
		{ key: 'jumlah_pengikut', label: 'Jumlah anggota keluarga yang ikut pindah', type: 'number', required: false }
	],
	'SK-DATANG': [
		{ key: 'alamat_asal', label: 'Alamat asal', type: 'textarea', required: true },
		{ key: 'tanggal_datang', label: 'Tanggal mulai tinggal', type: 'date', required: true },
		purpose
	],
	'SP-NIKAH': [
		{ key: 'nama_calon', label: 'Nama calon pasangan', type: 'text', required: true },
		{ key: 'rencana_tanggal', label: 'Rencana tanggal pernikahan', type: 'date', required: false },
		purpose
	],
	'SK-USAHA': [
		{ key: 'nama_usaha', label: 'Nama usaha', type: 'text', required: true },
		{ key: 'jenis_usaha', label: 'Jenis usaha', type: 'text', required: true },
		{ key: 'alamat_usaha', label: 'Alamat usaha', type: 'textarea', required: true },
		{ key: 'mulai_usaha', label: 'Berdiri sejak (tahun)', type: 'number', required: false },
		purpose
	],
	'SP-KERAMAIAN': [
		{ key: 'jenis_acara', label: 'Jenis acara', type: 'text', required: true },
		{ key: 'tanggal_acara', label: 'Tanggal acara', type: 'date', required: true },
		{ key: 'tempat_acara', label: 'Tempat acara', type: 'text', required: true },
		{ key: 'jumlah_tamu', label: 'Perkiraan jumlah tamu', type: 'number', required: false }
	]
};

const WARGA = 'Nama tersebut di atas adalah benar warga RT {{rt}} RW {{rw}} Kelurahan {{kelurahan}}, Kecamatan {{kecamatan}}, {{kota}}, beralamat di {{alamat}}.';
const CLOSING = 'Demikian surat ini dibuat dengan sebenarnya untuk dipergunakan sebagaimana mestinya.';

const BODIES: Record<string, string> = {
	'SP-LHR': `${WARGA}\n\nSurat pengantar ini diberikan untuk pengurusan akta kelahiran anak bernama {{nama_anak}}, lahir di {{tempat_lahir_anak}} pada tanggal {{tanggal_lahir_anak}}, dengan keperluan: {{keperluan}}.\n\n${CLOSING}`,
	'SK-MATI': `Nama tersebut di atas adalah warga RT {{rt}} RW {{rw}} Kelurahan {{kelurahan}} yang telah meninggal dunia pada tanggal {{tanggal_meninggal}} di {{tempat_meninggal}}. Sebab meninggal: {{sebab_meninggal}}.\n\nSurat keterangan ini diberikan untuk keperluan: {{keperluan}}.\n\n${CLOSING}`,
	'SP-PINDAH': `${WARGA}\n\nYang bersangkutan bermaksud pindah ke {{alamat_tujuan}} dengan alasan {{alasan_pindah}}, diikuti {{jumlah_pengikut}} anggota keluarga. Surat pengantar ini diberikan untuk pengurusan surat pindah di kelurahan.\n\n${CLOSING}`,
	'SK-DATANG': `Nama tersebut di atas telah datang dari {{alamat_asal}} dan tinggal di {{alamat}}, RT {{rt}} RW {{rw}} Kelurahan {{kelurahan}}, sejak tanggal {{tanggal_datang}}.\n\nSurat keterangan ini diberikan untuk keperluan: {{keperluan}}.\n\n${CLOSING}`,
	'SP-NIKAH': `${WARGA}\n\nSurat pengantar ini diberikan untuk pengurusan pernikahan dengan calon pasangan {{nama_calon}}, dengan keperluan: {{keperluan}}.\n\n${CLOSING}`,
	'SK-DOM': `${WARGA} Yang bersangkutan benar berdomisili di alamat tersebut.\n\nSurat keterangan domisili ini diberikan untuk keperluan: {{keperluan}}.\n\n${CLOSING}`,
	'SK-USAHA': `${WARGA}\n\nYang bersangkutan benar mempunyai usaha {{jenis_usaha}} dengan nama "{{nama_usaha}}" yang berlokasi di {{alamat_usaha}}, berdiri sejak {{mulai_usaha}}.\n\nSurat keterangan usaha ini diberikan untuk keperluan: {{keperluan}}.\n\n${CLOSING}`,
	'SK-TM': `${WARGA}\n\nBerdasarkan pengetahuan kami, yang bersangkutan termasuk keluarga tidak mampu. Surat keterangan ini diberikan untuk keperluan: {{keperluan}}.\n\n${CLOSING}`,
	'SK-BM': `${WARGA}\n\nBerdasarkan data kependudukan pada kami, sampai dengan tanggal surat ini yang bersangkutan berstatus belum pernah menikah. Surat keterangan ini diberikan untuk keperluan: {{keperluan}}.\n\n${CLOSING}`,
	'SP-KERAMAIAN': `${WARGA}\n\nYang bersangkutan akan menyelenggarakan {{jenis_acara}} pada tanggal {{tanggal_acara}} di {{tempat_acara}} dengan perkiraan {{jumlah_tamu}} tamu. Pada prinsipnya kami tidak berkeberatan, dengan ketentuan menjaga ketertiban dan kebersihan lingkungan.\n\n${CLOSING}`
};

const PENGANTAR = `${WARGA}\n\nSurat pengantar ini diberikan untuk pengurusan {{produk}}, dengan keperluan: {{keperluan}}.\n\n${CLOSING}`;

/** The request form a service starts with. */
export function defaultFields(kind: string): ServiceField[] {
	return (FIELDS[kind] ?? [purpose]).map((f) => ({ ...f }));
}

/** The letter body a service starts with. */
export function defaultTemplate(kind: string): string {
	return BODIES[kind] ?? PENGANTAR;
}

/**
 * Letters that attest an event the registry records as a mutation (a pindah or
 * kematian letter): the mutation the RT and
 * RW check the request against, and the request field that carries its date.
 */
export const LETTER_MUTATIONS: Record<string, { kind: 'died' | 'moved_out' | 'moved_in'; dateField: string | null }> = {
	'SK-MATI': { kind: 'died', dateField: 'tanggal_meninggal' },
	'SP-PINDAH': { kind: 'moved_out', dateField: null },
	'SK-DATANG': { kind: 'moved_in', dateField: 'tanggal_datang' }
};

export interface MutationReference<M> {
	kind: 'died' | 'moved_out' | 'moved_in';
	/** The subject's latest mutation of that kind, if recorded. */
	recorded: M | null;
	/** Set when the request states another date than the registry. */
	dateMismatch: { requested: string; recorded: string } | null;
}

/**
 * What the registry says about a request's event. `mutations` are the subject's,
 * newest first. Null for letters that attest no registry event.
 */
export function referenceMutation<M extends { kind: string; occurred_on: string }>(
	letterKind: string,
	data: Record<string, string>,
	mutations: M[]
): MutationReference<M> | null {
	const rule = LETTER_MUTATIONS[letterKind];
	if (!rule) return null;
	const recorded = mutations.find((m) => m.kind === rule.kind) ?? null;
	const requested = rule.dateField ? (data[rule.dateField] ?? '').trim() : '';
	const dateMismatch = recorded && requested && requested !== recorded.occurred_on ? { requested, recorded: recorded.occurred_on } : null;
	return { kind: rule.kind, recorded, dateMismatch };
}

/**
 * The words a field's text follows in the letter when the body introduces it with a
 * label ("… untuk keperluan: {{keperluan}}" → `untuk keperluan:`), so the form can say
 * the answer continues that sentence. Null when the body does not use the field, or
 * uses it inside running text without such a label.
 */
export function fieldLead(template: string, key: string): string | null {
	const at = template.indexOf(`{{${key}}}`);
	if (at < 0) return null;
	const before = template.slice(0, at).split(/[.\n]/).at(-1)!.trim();
	if (!before.endsWith(':')) return null;
	return before.split(/\s+/).slice(-2).join(' ');
}
