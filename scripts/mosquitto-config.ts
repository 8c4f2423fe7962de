// `npm run mosquitto:config -- --out ./mosquitto`: writes a Mosquitto password file
// and ACL generated from the device registry (plus the app's own MQTT user from
// MQTT_USERNAME / MQTT_PASSWORD), and a config snippet, so a deployment on
// Mosquitto enforces the same rules as the embedded broker. Re-run after adding,
// rotating or disabling devices, then reload Mosquitto (SIGHUP).
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/lib/server/config';
import { openAndMigrate } from '../src/lib/server/db';
import { devicesForBroker } from '../src/lib/server/devices/devices';
import { mosquittoAcl, mosquittoPasswords } from '../src/lib/server/devices/mosquitto';

const { values } = parseArgs({
	options: {
		out: { type: 'string', default: './mosquitto' },
		port: { type: 'string', default: '1883' },
		// One MQTT user per app instance (they share MQTT_PASSWORD), e.g. --app-users rukun-app-1,rukun-app-2
		'app-users': { type: 'string' }
	}
});
const config = loadConfig();
if (!config.mqttUsername || !config.mqttPassword) {
	console.error('Set MQTT_USERNAME and MQTT_PASSWORD: the app connects to Mosquitto as that user.');
	process.exit(2);
}
const db = await openAndMigrate({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
try {
	const devices = await devicesForBroker(db);
	const out = path.resolve(values.out);
	await mkdir(out, { recursive: true });
	const appUsers = (values['app-users'] ?? config.mqttUsername).split(',').map((u) => u.trim()).filter(Boolean);
	await writeFile(path.join(out, 'passwd'), mosquittoPasswords(devices, { users: appUsers, password: config.mqttPassword }), { mode: 0o600 });
	await writeFile(path.join(out, 'acl'), mosquittoAcl(devices, appUsers), { mode: 0o644 });
	await writeFile(
		path.join(out, 'mosquitto.conf'),
		[
			`listener ${values.port}`,
			'allow_anonymous false',
			`password_file ${path.join(out, 'passwd')}`,
			`acl_file ${path.join(out, 'acl')}`,
			'# A device must connect with its id as client id (as on the embedded broker).',
			'use_username_as_clientid true',
			'max_packet_size 2048',
			''
		].join('\n')
	);
	const missing = devices.filter((d) => !d.mosquittoHash).map((d) => d.id);
	console.log(`Wrote ${out}/{passwd,acl,mosquitto.conf}: ${devices.length} devices.`);
	if (missing.length > 0) console.log(`Rotate the secret of these devices to include them: ${missing.join(', ')}`);
} finally {
	await db.close();
}
