import type { Database } from '../db';
import { clearAttempts, countFailures, LIMITS, overLimit, takeAttempt } from '../auth/rate-limit';
import { authenticateDevice } from '../devices/devices';
import type { Ingest } from '../ingest/ingest';
import { canSubscribe } from './acl';
import type { AuthResult, BrokerHooks } from './broker';
import { verifyDashboardToken } from './dashboard-token';

/**
 * The broker's rules: devices by id + secret (client id must equal the id),
 * dashboards by a short-lived token from their session, anonymous only in
 * development; every message through ingest; subscriptions by the ACL.
 * Credentials are throttled as the HTTP login is: per device (as seen from one
 * address) each attempt counts before it is checked, and past the limit the
 * connection is refused unchecked until the window ends; a right one clears the
 * count. Per address only failures count: every device of an RW may reconnect at
 * once from one gateway address (after a broker restart, 200 sensors did, and an
 * address count taken before the check refused most of them and then locked the
 * address for the whole window). A device secret is checked by one SHA-256, so
 * wrong attempts in flight together cost little before they are counted.
 */
export function brokerHooks(options: { db: Database; ingest: Ingest; allowAnonymous: boolean; tokenKey: Buffer }): BrokerHooks {
	const { db, ingest } = options;
	const refuse = (reason: string, code?: 4 | 5) => {
		ingest.metrics.refuse(reason);
		return { ok: false as const, reason, code };
	};
	const check = async (clientId: string, username: string, secret: string): Promise<AuthResult> => {
		if (username === 'dashboard') {
			const principal = verifyDashboardToken(options.tokenKey, secret);
			return principal ? { ok: true, principal } : refuse('bad_token');
		}
		// A device's client id is its id, so two connections cannot pose as one device.
		if (clientId !== username) return refuse('client_id_mismatch', 5);
		const device = await authenticateDevice(db, username, secret);
		if (device === 'disabled') return refuse('disabled', 5);
		if (!device) return refuse('bad_credentials');
		ingest.remember(device);
		return {
			ok: true,
			principal: { kind: 'device', deviceId: device.id, deviceKind: device.kind, rwCode: device.rwCode, rwId: device.rwId }
		};
	};
	return {
		async authenticate(clientId, username, password, address) {
			if (!username) {
				return options.allowAnonymous ? { ok: true, principal: { kind: 'anonymous' } } : refuse('no_credentials');
			}
			// Per device as seen from one address, and per address: a device's count is not
			// global, so nobody elsewhere can keep a flood sensor from reconnecting by
			// guessing its id. Dashboard tokens are signed and count per address only.
			const ipKey = `mqtt:ip:${address}`;
			const deviceKey = username === 'dashboard' ? null : `mqtt:device:${username}:${address}`;
			const perIp: [string, typeof LIMITS.mqttPerIp][] = [[ipKey, LIMITS.mqttPerIp]];
			const [deviceWait, ipWait] = await Promise.all([deviceKey ? takeAttempt(db, [[deviceKey, LIMITS.mqttPerDevice]]) : 0, overLimit(db, perIp)]);
			if (deviceWait > 0 || ipWait > 0) return refuse('throttled', 5);
			const principal = await check(clientId, username, password?.toString('utf8') ?? '');
			if (!principal.ok) {
				await countFailures(db, perIp);
				return principal;
			}
			if (deviceKey) await clearAttempts(db, deviceKey);
			return principal;
		},
		publish: (principal, topic, payload) => ingest.handle(principal, topic, payload),
		subscribe: (principal, filter) => canSubscribe(principal, filter)
	};
}
