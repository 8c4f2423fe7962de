/**
 * Shrinks a phone photo before upload, so a 12 MP KTP photo on a slow connection
 * becomes a few hundred KB. Best effort only: the server re-checks and re-encodes
 * every upload (src/lib/server/storage/uploads.ts), so anything this cannot handle
 * (a PDF, a format the browser cannot decode) is sent unchanged for the server to judge.
 */
const SMALL_ENOUGH_BYTES = 500 * 1024;

export async function resizeForUpload(file: File, opts: { maxSide?: number; quality?: number } = {}): Promise<File> {
	const { maxSide = 1600, quality = 0.8 } = opts;
	if (!file.type.startsWith('image/') || typeof createImageBitmap !== 'function') return file;
	let bitmap: ImageBitmap;
	try {
		bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
	} catch {
		return file; // undecodable here (e.g. HEIC on Android): the server decides
	}
	try {
		const { width, height } = bitmap;
		if (Math.max(width, height) <= maxSide && file.size <= SMALL_ENOUGH_BYTES) return file;
		const scale = Math.min(1, maxSide / Math.max(width, height));
		const blob = await drawJpeg(bitmap, Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale)), quality);
		// Re-encoding a photo that needed no resizing can make it bigger: keep the smaller one.
		if (!blob || (scale === 1 && blob.size >= file.size)) return file;
		return new File([blob], `${baseName(file.name)}.jpg`, { type: 'image/jpeg', lastModified: file.lastModified });
	} finally {
		bitmap.close();
	}
}

async function drawJpeg(bitmap: ImageBitmap, width: number, height: number, quality: number): Promise<Blob | null> {
	const canvas = document.createElement('canvas');
	canvas.width = width;
	canvas.height = height;
	try {
		const ctx = canvas.getContext('2d');
		if (!ctx) return null;
		ctx.fillStyle = '#fff'; // transparent PNG areas become white, not black
		ctx.fillRect(0, 0, width, height);
		ctx.imageSmoothingQuality = 'high';
		ctx.drawImage(bitmap, 0, 0, width, height);
		return await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
	} finally {
		// iOS Safari keeps canvas memory until the size is zeroed.
		canvas.width = 0;
		canvas.height = 0;
	}
}

function baseName(name: string): string {
	const dot = name.lastIndexOf('.');
	return (dot > 0 ? name.slice(0, dot) : name) || 'foto';
}
