/**
 * What the server publishes to dashboards on `rw/{rw}/alerts/…` (JSON), and what the
 * dashboard's page data carries for its catch-up from the database: one shape for both,
 * so a message and a reload show the same thing. Times are ISO strings (UTC).
 */
export type AlarmType = 'flood_level' | 'rate_of_rise' | 'sensor_offline' | 'low_battery' | 'stale_clock' | 'panic';
export type Severity = 'critical' | 'major' | 'minor' | 'warning';
export const SEVERITY_RANK: Record<Severity, number> = { critical: 0, major: 1, minor: 2, warning: 3 };

export interface AlarmDetails {
	levelCm?: number;
	/** Rate of rise over the last 10 minutes (cm per 10 min); negative while falling. */
	risePer10Min?: number;
	/** While rising: the next Siaga level and the estimated minutes until it at the current rate. */
	nextSiaga?: number;
	etaMinutes?: number;
	batteryV?: number;
	lastSeenAt?: string;
}

export interface AlarmView {
	id: string;
	deviceId: string;
	deviceName: string;
	rtId: string | null;
	type: AlarmType;
	severity: Severity;
	/** Siaga 4..1 for flood_level alarms. */
	siaga: number | null;
	firstSeenAt: string;
	lastSeenAt: string;
	count: number;
	clearedAt: string | null;
	acknowledgedAt: string | null;
	acknowledgedByName: string | null;
	ackNote: string | null;
	details: AlarmDetails;
}

/** A sensor's current water level (throttled: on a Siaga change, else at most every few seconds). */
export interface LevelView {
	deviceId: string;
	levelCm: number | null;
	/** 4 (normal: below the Siaga 3 threshold) … 1, as `siagaOf` and the alarms track it (with hysteresis); null without thresholds or before the filter has readings. */
	siaga: number | null;
	risePer10Min: number | null;
	at: string;
	/** While rising: the next Siaga level and the estimated minutes until it at the current rate. */
	nextSiaga?: number;
	etaMinutes?: number;
}

export interface PumpView {
	deviceId: string;
	on: boolean | null;
	stateAt: string | null;
	/** The last command: pending until the pump's state confirms it, failed after 10 s. */
	command: { id: string; turnOn: boolean; at: string; byName: string; state: 'pending' | 'confirmed' | 'failed' } | null;
}

/** Topic suffixes under `rw/{rw}/alerts/`: `alarm/{id}`, `level/{device}`, `pump/{device}`. */
export type AlertMessage = { kind: 'alarm'; alarm: AlarmView } | { kind: 'level'; level: LevelView } | { kind: 'pump'; pump: PumpView };

// Panic incidents (docs/panic.md): the same shape in the dashboard's catch-up, on
// `rw/{rw}/alerts/panic/{id}` and on the resident's live status. A message of its own
// type, so the flood dashboard's handling of the kinds above is unchanged.
export type IncidentState = 'triggered' | 'acknowledged' | 'dispatched' | 'resolved' | 'false_alarm' | 'cancelled';

export interface IncidentStepView {
	step: IncidentState | 'escalated';
	at: string;
	byName: string | null;
	officerName: string | null;
	note: string | null;
}

export interface IncidentView {
	id: string;
	source: 'app' | 'device';
	state: IncidentState;
	category: 'kejahatan' | 'kebakaran' | 'medis' | 'lainnya' | null;
	/** The house (block, number, RT) or the button's name, frozen at the press. */
	placeLabel: string;
	houseId: string | null;
	deviceId: string | null;
	rtId: string | null;
	lat: number | null;
	lng: number | null;
	accuracyM: number | null;
	reporterName: string | null;
	/** The phone to call back (E.164). */
	reporterPhone: string | null;
	triggeredAt: string;
	acknowledgedAt: string | null;
	dispatchedAt: string | null;
	officerName: string | null;
	closedAt: string | null;
	escalatedAt: string | null;
	steps: IncidentStepView[];
}

export type PanicAlertMessage = { kind: 'panic'; incident: IncidentView };
