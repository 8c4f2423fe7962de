-- A device's seq restarts when it reboots without keeping it in flash (a power cut in a
-- flood is the usual case). With duplicates keyed on (device, seq) alone, everything it
-- sent after the reboot was discarded as a replay until seq passed its old maximum.
-- Devices now send an optional `boot` (a boot counter, or the start time): duplicates
-- are the same (device, boot, seq). Devices that send no boot keep boot 0, as before.
alter table public.reading add column boot bigint not null default 0;
alter table public.reading drop constraint reading_pkey;
alter table public.reading add primary key (device_id, boot, seq);

alter table public.panic_event add column boot bigint not null default 0;
alter table public.panic_event drop constraint panic_event_device_id_seq_key;
alter table public.panic_event add constraint panic_event_device_boot_seq_key unique (device_id, boot, seq);
