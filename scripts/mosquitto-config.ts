// `npm run mosquitto:config -- --out ./mosquitto [--port 1883] [--app-users rukun-app-1,rukun-app-2]
//   [--broker-user mosquitto]`: writes a Mosquitto password file and ACL generated from
// the device registry (plus the app's own MQTT users, password MQTT_PASSWORD), a
// config (persistence, queue limits: README "External broker") and the persistence
// directory, owned so that Mosquitto started as root can read and write them after it
// drops to its user. Re-run after adding, rotating or disabling devices, then reload
// Mosquitto (SIGHUP).
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/lib/server/config';
import { openAndMigrate } from '../src/lib/server/db';
import { devicesForBroker } from '../src/lib/server/devices/devices';
import { writeMosquittoFiles } from '../src/lib/server/devices/mosquitto-files';

const { values } = parseArgs({
	options: {
		out: { type: 'string', default: './mosquitto' },
		port: { type: 'string', default: '1883' },
		// One MQTT user per app instance (they share MQTT_PASSWORD), e.g. --app-users rukun-app-1,rukun-app-2
		'app-users': { type: 'string' },
		'broker-user': { type: 'string', default: 'mosquitto' }
	}
});
const config = loadConfig();
if (!config.mqttUsername || !config.mqttPassword) {
	console.error('Set MQTT_USERNAME and MQTT_PASSWORD: the app connects to Mosquitto as that user.');
	process.exit(2);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
	console.error('--port must be a TCP port number');
	process.exit(2);
}
const db = await openAndMigrate({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
try {
	const devices = await devicesForBroker(db);
	const out = path.resolve(values.out);
	const appUsers = (values['app-users'] ?? config.mqttUsername).split(',').map((u) => u.trim()).filter(Boolean);
	const { owner } = await writeMosquittoFiles({ out, port, devices, appUsers, appPassword: config.mqttPassword, brokerUser: values['broker-user'] });
	const missing = devices.filter((d) => !d.mosquittoHash).map((d) => d.id);
	console.log(`Wrote ${out}/{passwd,acl,mosquitto.conf} and ${out}/data/: ${devices.length} devices, app users ${appUsers.join(', ')}; readable by ${owner}.`);
	console.log(`Start: mosquitto -c ${path.join(out, 'mosquitto.conf')}   (every directory above ${out} must be searchable by that user)`);
	if (missing.length > 0) console.log(`Rotate the secret of these devices to include them: ${missing.join(', ')}`);
} finally {
	await db.close();
}
