/** An announcement as pages show it (rows of src/lib/server/announcements/service.ts). */
export interface AnnouncementView {
	id: string;
	title: string;
	body: string;
	/** null: the whole RW. */
	rt_number: number | null;
	author: string;
	has_image: boolean;
	created_at: string;
	read: boolean;
}
