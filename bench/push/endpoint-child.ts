// The local push endpoint of bench/push.ts in its own process, so its TLS and
// signature checks are not counted as the sender's work. Talks over IPC.
import { startPushEndpoint } from '../../tests/factories/push-endpoint';

type Message = { make: number } | { waitFor: number } | { close: true };

const endpoint = await startPushEndpoint({ decrypt: false });
process.on('message', (m: Message) => {
	if ('make' in m) {
		const subs = Array.from({ length: m.make }, () => endpoint.subscription());
		process.send!({ ca: endpoint.ca, subs });
	} else if ('waitFor' in m) {
		void endpoint.waitFor(m.waitFor).then((got) => process.send!({ received: got.length, accepted: got.filter((r) => r.status === 201).length }));
	} else {
		void endpoint.close().then(() => process.exit(0));
	}
});
process.send!({ ready: true });
