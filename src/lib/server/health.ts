import type { Runtime } from './runtime';

export interface Health {
	status: 'ok' | 'degraded';
	database: { up: boolean; kind: string };
	broker: { up: boolean; mode: string; tcpPort: number | null; websocket: string | null; clients: number };
	time: string;
}

export async function checkHealth(runtime: Runtime): Promise<Health> {
	const dbUp = await runtime.db.ping();
	const brokerUp = runtime.broker.isUp();
	return {
		status: dbUp && brokerUp ? 'ok' : 'degraded',
		database: { up: dbUp, kind: runtime.db.kind },
		broker: {
			up: brokerUp,
			mode: runtime.broker.mode,
			tcpPort: runtime.broker.tcpPort,
			websocket: runtime.broker.wsPath,
			clients: runtime.broker.stats().connectedClients
		},
		time: new Date().toISOString()
	};
}
