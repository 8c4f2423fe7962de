/**
 * What the pump panel shows (src/lib/components/PumpPanel.svelte, on /security/pumps
 * and embeddable in the dashboard). Types only, so a component can name them without
 * importing server code.
 */
import type { PumpView } from './alerts';

export interface PumpRow extends PumpView {
	name: string;
	rtNumber: number | null;
	/** Connection state from the device's LWT: online, offline or unknown. */
	status: string;
	/** An area of this pump (its RT, or the RW for a pump without RT) is at Siaga 2 or worse. */
	suggested: boolean;
	/** The worst Siaga level of that area now (4..1), when known. */
	areaSiaga: number | null;
}
