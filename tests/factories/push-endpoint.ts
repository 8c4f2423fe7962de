import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, verify } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * A real push service on loopback, as far as the app can tell: an HTTPS server (a
 * self-signed certificate made with openssl; give `ca` to the sender) that takes Web
 * Push requests, checks the VAPID signature, and decrypts the aes128gcm body
 * (RFC 8188, RFC 8291) with the fake subscription's private key and auth secret, as
 * the browser would. Each fake subscription has its own P-256 key pair and secret.
 */

export interface FakeSubscription {
	id: string;
	endpoint: string;
	keys: { p256dh: string; auth: string };
}

export interface Received {
	subscriptionId: string;
	/** The decrypted payload (parsed JSON), null when `decrypt` is off. */
	payload: Record<string, unknown> | null;
	ttl: number;
	urgency: string | null;
	topic: string | null;
	/** The VAPID public key (k=) the request was signed with. */
	vapidKey: string;
	/** The status the endpoint answered. */
	status: number;
	at: number;
}

export interface PushEndpoint {
	/** PEM of the endpoint's certificate (the sender's `ca`). */
	ca: string;
	origin: string;
	subscription(): FakeSubscription;
	/** The status the next requests to this subscription get (then 201), e.g. [500, 500] or [410]. */
	answer(subscriptionId: string, statuses: number[]): void;
	/** Every request, in arrival order (accepted or not). */
	received: Received[];
	/** Resolves when `count` requests have arrived in total (or those matching `where`). */
	waitFor(count: number, where?: (r: Received) => boolean): Promise<Received[]>;
	close(): Promise<void>;
}

const run = promisify(execFile);

async function selfSigned(): Promise<{ key: string; cert: string }> {
	const dir = await mkdtemp(path.join(tmpdir(), 'push-endpoint-'));
	try {
		await run('openssl', [
			'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
			'-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
			'-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')
		]);
		return { key: await readFile(path.join(dir, 'key.pem'), 'utf8'), cert: await readFile(path.join(dir, 'cert.pem'), 'utf8') };
	} finally {
		await rm(dir, { recursive: true, force: true });
	}
}

/** Decrypts one aes128gcm Web Push body with the receiver's key pair and auth secret. */
export function decryptAes128gcm(body: Buffer, receiver: { privateKey: Buffer; publicKey: Buffer; auth: Buffer }): Buffer {
	const salt = body.subarray(0, 16);
	const rs = body.readUInt32BE(16);
	const idLength = body[20]!;
	const senderPublic = body.subarray(21, 21 + idLength);
	const records = body.subarray(21 + idLength);
	if (records.length > rs) throw new Error('more than one record');
	const ecdh = createECDH('prime256v1');
	ecdh.setPrivateKey(receiver.privateKey);
	const shared = ecdh.computeSecret(senderPublic);
	const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), receiver.publicKey, senderPublic]);
	const ikm = Buffer.from(hkdfSync('sha256', shared, receiver.auth, keyInfo, 32));
	const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
	const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
	const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
	decipher.setAuthTag(records.subarray(records.length - 16));
	const padded = Buffer.concat([decipher.update(records.subarray(0, records.length - 16)), decipher.final()]);
	// The last record ends with the delimiter 0x02 and zero padding.
	let end = padded.length - 1;
	while (end >= 0 && padded[end] === 0) end--;
	if (padded[end] !== 2) throw new Error('bad padding delimiter');
	return padded.subarray(0, end);
}

/** Checks the `vapid t=…, k=…` header: an ES256 JWT signed by k, for this origin. Returns k. */
function checkVapid(header: string | undefined, origin: string): string {
	const m = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? '');
	if (!m) throw new Error('no VAPID authorization');
	const [, jwt, k] = m as unknown as [string, string, string];
	const [head, claims, signature] = jwt.split('.') as [string, string, string];
	const point = Buffer.from(k, 'base64url');
	const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33, 65).toString('base64url') }, format: 'jwk' });
	const ok = verify('sha256', Buffer.from(`${head}.${claims}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
	if (!ok) throw new Error('bad VAPID signature');
	const body = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as { aud: string; exp: number };
	if (body.aud !== origin) throw new Error(`VAPID audience ${body.aud}, expected ${origin}`);
	return k;
}

export async function startPushEndpoint(options: { decrypt?: boolean } = {}): Promise<PushEndpoint> {
	const decrypt = options.decrypt ?? true;
	const { key, cert } = await selfSigned();
	const subs = new Map<string, { privateKey: Buffer; publicKey: Buffer; auth: Buffer }>();
	const answers = new Map<string, number[]>();
	const received: Received[] = [];
	const waiters: { count: number; where?: (r: Received) => boolean; resolve: (r: Received[]) => void }[] = [];
	let origin = '';
	let counter = 0;
	const check = () => {
		for (let i = waiters.length - 1; i >= 0; i--) {
			const w = waiters[i]!;
			const matching = w.where ? received.filter(w.where) : received;
			if (matching.length >= w.count) {
				waiters.splice(i, 1);
				w.resolve(matching);
			}
		}
	};
	const server: Server = createServer({ key, cert, keepAlive: true }, (req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			const id = decodeURIComponent((req.url ?? '').replace(/^\/push\//, ''));
			const sub = subs.get(id);
			let status = 201;
			let payload: Record<string, unknown> | null = null;
			let vapidKey = '';
			try {
				if (req.method !== 'POST' || !sub) throw Object.assign(new Error('unknown subscription'), { status: 404 });
				vapidKey = checkVapid(req.headers.authorization, origin);
				if (req.headers['content-encoding'] !== 'aes128gcm') throw new Error('not aes128gcm');
				if (decrypt) payload = JSON.parse(decryptAes128gcm(Buffer.concat(chunks), sub).toString('utf8')) as Record<string, unknown>;
				status = answers.get(id)?.shift() ?? 201;
			} catch (err) {
				status = (err as { status?: number }).status ?? 400;
			}
			received.push({
				subscriptionId: id,
				payload,
				ttl: Number(req.headers.ttl),
				urgency: (req.headers.urgency as string | undefined) ?? null,
				topic: (req.headers.topic as string | undefined) ?? null,
				vapidKey,
				status,
				at: performance.now()
			});
			res.writeHead(status).end();
			check();
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return {
		ca: cert,
		origin,
		received,
		subscription() {
			const ecdh = createECDH('prime256v1');
			const publicKey = ecdh.generateKeys();
			const auth = randomBytes(16);
			const id = `s${++counter}-${randomBytes(4).toString('hex')}`;
			subs.set(id, { privateKey: ecdh.getPrivateKey(), publicKey, auth });
			return { id, endpoint: `${origin}/push/${id}`, keys: { p256dh: publicKey.toString('base64url'), auth: auth.toString('base64url') } };
		},
		answer(id, statuses) {
			answers.set(id, [...statuses]);
		},
		waitFor(count, where) {
			return new Promise((resolve) => {
				waiters.push({ count, where, resolve });
				check();
			});
		},
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			})
	};
}
