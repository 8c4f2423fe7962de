export const minutesFrom = (seconds: number) => Math.max(1, Math.ceil(seconds / 60));

/**
 * A stored file for the browser: its stored type (never sniffed), never cached, and
 * inert when opened inline (the bytes were checked on upload; the CSP sandbox keeps
 * them so even so).
 */
export function storedFileResponse(bytes: Uint8Array, contentType: string, download?: string): Response {
	return new Response(bytes as Uint8Array<ArrayBuffer>, {
		headers: {
			'content-type': contentType,
			'content-disposition': download ? `attachment; filename="${download.replace(/[^A-Za-z0-9._-]+/g, '-')}"` : 'inline',
			'cache-control': 'private, no-store',
			'x-content-type-options': 'nosniff',
			'content-security-policy': "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
		}
	});
}
