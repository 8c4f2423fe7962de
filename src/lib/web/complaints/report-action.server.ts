import { redirect, type RequestEvent } from '@sveltejs/kit';
import { getRuntime } from '$lib/server/runtime';
import { checkPhoto, MAX_PHOTOS, type CheckedPhoto } from '$lib/server/complaints/photos';
import { report } from '$lib/server/complaints/service';
import { refuse, typedValues } from '$lib/web/action-result.server';

/**
 * The report form's action: photos checked first (a bad file is a field error, the
 * typed text comes back), then the report; a pin outside the RW or nearby duplicates
 * come back for the resident to confirm or to support an existing report instead.
 */
export async function reportAction(event: RequestEvent) {
	const user = event.locals.db.user;
	const { db, files } = getRuntime();
	const form = await event.request.formData();
	const values = typedValues(form);
	const uploads = form.getAll('photos').filter((f): f is File => typeof f === 'object' && f !== null && 'size' in f && f.size > 0);
	if (uploads.length > MAX_PHOTOS) return refuse(400, { errors: { photos: 'complaints.error.too_many_photos' }, values });
	const photos: CheckedPhoto[] = [];
	for (const file of uploads) {
		const checked = await checkPhoto({ bytes: new Uint8Array(await file.arrayBuffer()), name: file.name });
		if (!checked.ok) return refuse(400, { errors: { photos: checked.problem }, values });
		photos.push(checked.photo);
	}
	const text = (name: string) => String(form.get(name) ?? '');
	const result = await report(
		db,
		files,
		user,
		{
			categoryId: text('category'),
			title: text('title'),
			description: text('description'),
			lat: text('lat'),
			lng: text('lng'),
			private: form.get('private') === 'on',
			confirmOutside: form.get('confirm_outside') === 'on',
			ignoreDuplicates: form.get('ignore_duplicates') === 'on'
		},
		photos,
		new Date()
	);
	if (result.ok) redirect(303, `/pengaduan/${result.id}`);
	if ('errors' in result) return refuse(400, { errors: result.errors, values });
	// Photos cannot be echoed back: the pin they gave is, so the resident only picks them again.
	const withPin = { ...values, lat: String(result.pin.lat), lng: String(result.pin.lng) };
	if ('outside' in result) return refuse(409, { message: 'complaints.outside_warning', values: withPin }, { outside: true });
	return refuse(409, { message: 'complaints.duplicates_title', values: withPin }, { duplicates: result.duplicates });
}
