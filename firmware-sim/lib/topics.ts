/** Topic names (README, "Devices and MQTT"): the simulator's only place for them. The app spells them in src/lib/server/mqtt/topics.ts; the simulator keeps its own copy because it imports nothing from src. */
export const DEVICE_ID = /^[a-z0-9][a-z0-9-]{2,39}$/;
/** One topic segment: no `/`, `+` or `#` (same rule as the server's parser). */
export const RW_CODE = /^[A-Za-z0-9-]{1,40}$/;

export const topics = {
	level: (rw: string, id: string) => `rw/${rw}/sensor/${id}/level`,
	panic: (rw: string, id: string) => `rw/${rw}/panic/${id}`,
	status: (rw: string, id: string) => `rw/${rw}/device/${id}/status`,
	pumpCmd: (rw: string, id: string) => `rw/${rw}/pump/${id}/cmd`,
	pumpState: (rw: string, id: string) => `rw/${rw}/pump/${id}/state`
};
