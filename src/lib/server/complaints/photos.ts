import exifr from 'exifr';
import sharp from 'sharp';
import { acceptUpload, type UploadProblem } from '../storage/uploads';

/**
 * A complaint photo: the GPS position is read from the original bytes first (it may
 * place the pin), then the image goes through the shared upload check, which re-encodes
 * it without any metadata (the EXIF of a phone photo carries where the house is,
 * UU 27/2022 art. 16), and a small thumbnail is made from the clean copy.
 */
export const MAX_PHOTO_BYTES = 8 * 1024 * 1024;
export const MAX_PHOTOS = 3;
const THUMB_SIDE = 320;

export interface CheckedPhoto {
	bytes: Uint8Array;
	thumb: Uint8Array;
	width: number;
	height: number;
	/** Where the photo was taken, when the original said so. */
	gps: { lat: number; lng: number } | null;
}

export async function checkPhoto(input: { bytes: Uint8Array; name: string }): Promise<{ ok: true; photo: CheckedPhoto } | { ok: false; problem: UploadProblem }> {
	const accepted = await acceptUpload(input, { maxBytes: MAX_PHOTO_BYTES, allow: ['image'], maxSide: 1600 });
	if (!accepted.ok) return accepted;
	const gps = await readGps(input.bytes);
	const thumb = await sharp(accepted.file.bytes).resize(THUMB_SIDE, THUMB_SIDE, { fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 70 }).toBuffer();
	return {
		ok: true,
		photo: { bytes: accepted.file.bytes, thumb: new Uint8Array(thumb), width: accepted.file.width ?? 0, height: accepted.file.height ?? 0, gps }
	};
}

/** The GPS position in a photo's EXIF, or null (none, unreadable, or not a real place). */
export async function readGps(bytes: Uint8Array): Promise<{ lat: number; lng: number } | null> {
	try {
		const gps = (await exifr.gps(Buffer.from(bytes))) as { latitude?: number; longitude?: number } | undefined;
		const lat = gps?.latitude;
		const lng = gps?.longitude;
		if (typeof lat !== 'number' || typeof lng !== 'number' || !Number.isFinite(lat) || !Number.isFinite(lng)) return null;
		if (Math.abs(lat) > 90 || Math.abs(lng) > 180 || (lat === 0 && lng === 0)) return null;
		return { lat, lng };
	} catch {
		return null;
	}
}
