/** Topic names (DESIGN.md, "MQTT"): the only place they are spelled out. */
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
