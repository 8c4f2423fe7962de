import { refuse } from '../action-result.server';

/** A refused money write as the form's answer: the field it concerns and the status. */
const WHERE: Record<string, { field: string; status: number }> = {
	forbidden: { field: 'form', status: 403 },
	house_not_found: { field: 'houseId', status: 404 },
	not_found: { field: 'form', status: 404 },
	already_decided: { field: 'form', status: 409 },
	exemption_ended: { field: 'form', status: 409 },
	over_owed: { field: 'amount', status: 400 },
	amount_invalid: { field: 'amount', status: 400 }
};

export function refuseMoney(form: string, reason: string, values: Record<string, string>) {
	const where = WHERE[reason] ?? { field: 'form', status: 400 };
	const key = `dues.refused.${reason}`;
	return where.field === 'form' ? refuse(where.status, { form, message: key, values }) : refuse(where.status, { form, errors: { [where.field]: key }, values });
}
