// The local push endpoint of bench/push.ts in its own process, so its TLS and
// signature checks are not counted as the sender's work. Talks over IPC.
import { startPushEndpoint } from '../../tests/factories/push-endpoint';

type Message = { make: number } | { waitFor: number } | { arrivals: true } | { close: true };

// bench:panic passes --decrypt: it reads each push's URL (which incident) and when it arrived (epoch ms).
const endpoint = await startPushEndpoint({ decrypt: process.argv.includes('--decrypt') });
process.on('message', (m: Message) => {
	if ('make' in m) {
		const subs = Array.from({ length: m.make }, () => endpoint.subscription());
		process.send!({ ca: endpoint.ca, subs });
	} else if ('waitFor' in m) {
		void endpoint.waitFor(m.waitFor).then((got) => process.send!({ received: got.length, accepted: got.filter((r) => r.status === 201).length }));
	} else if ('arrivals' in m) {
		process.send!({ arrivals: endpoint.received.map((r) => ({ at: performance.timeOrigin + r.at, status: r.status, url: typeof r.payload?.url === 'string' ? r.payload.url : null })) });
	} else {
		void endpoint.close().then(() => process.exit(0));
	}
});
process.send!({ ready: true });
