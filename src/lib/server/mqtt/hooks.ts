import type { Database } from '../db';
import { authenticateDevice } from '../devices/devices';
import type { Ingest } from '../ingest/ingest';
import { canSubscribe } from './acl';
import type { BrokerHooks } from './broker';
import { verifyDashboardToken } from './dashboard-token';

/**
 * The broker's rules: devices by id + secret (client id must equal the id),
 * dashboards by a short-lived token from their session, anonymous only in
 * development; every message through ingest; subscriptions by the ACL.
 */
export function brokerHooks(options: { db: Database; ingest: Ingest; allowAnonymous: boolean; tokenKey: Buffer }): BrokerHooks {
	const { db, ingest } = options;
	const refuse = (reason: string, code?: 4 | 5) => {
		ingest.metrics.refuse(reason);
		return { ok: false as const, reason, code };
	};
	return {
		async authenticate(clientId, username, password) {
			if (!username) {
				return options.allowAnonymous ? { ok: true, principal: { kind: 'anonymous' } } : refuse('no_credentials');
			}
			const secret = password?.toString('utf8') ?? '';
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
		},
		publish: (principal, topic, payload) => ingest.handle(principal, topic, payload),
		subscribe: (principal, filter) => canSubscribe(principal, filter)
	};
}
