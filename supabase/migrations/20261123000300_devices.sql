-- Devices and MQTT ingest: registry with hashed secrets, raw readings
-- deduplicated by (device, seq), per-minute and per-hour rollups kept on write,
-- panic events, and device status from retained LWT topics.

create table public.device (
  id text primary key check (id ~ '^[a-z0-9][a-z0-9-]{2,39}$'), -- also the MQTT client id and user name
  rw_id uuid not null references public.rw(id) on delete cascade,
  rt_id uuid,
  kind text not null check (kind in ('sensor', 'panic', 'pump')),
  name text not null check (length(name) between 1 and 80),
  lat double precision check (lat between -90 and 90),
  lng double precision check (lng between -180 and 180),
  report_interval_s int not null default 60 check (report_interval_s between 5 and 86400),
  mounting_height_cm real check (mounting_height_cm > 0 and mounting_height_cm <= 2000),
  max_range_cm real not null default 400 check (max_range_cm > 0 and max_range_cm <= 2000),
  siaga3_cm real,
  siaga2_cm real,
  siaga1_cm real,
  secret_hash text not null,
  secret_rotated_at timestamptz not null default now(),
  disabled_at timestamptz,
  status text not null default 'unknown' check (status in ('online', 'offline', 'unknown')),
  last_seen_at timestamptz,
  battery_v real,
  created_by uuid references public.app_user(id),
  created_at timestamptz not null default now(),
  foreign key (rw_id, rt_id) references public.rt(rw_id, id),
  -- Sensors: Siaga 3 < Siaga 2 < Siaga 1 < max range (docs/domain.md, "Flood monitoring").
  check (kind <> 'sensor' or (mounting_height_cm is not null and siaga3_cm is not null and siaga2_cm is not null
    and siaga1_cm is not null and siaga3_cm > 0 and siaga3_cm < siaga2_cm and siaga2_cm < siaga1_cm
    and siaga1_cm < max_range_cm))
);
create index device_rw_idx on public.device (rw_id, kind);

create table public.reading (
  device_id text not null references public.device(id) on delete cascade,
  seq bigint not null,
  rw_id uuid not null,
  ts timestamptz not null,
  level_cm real,
  distance_cm real,
  battery_v real,
  clock_skew boolean not null default false,
  received_at timestamptz not null default now(),
  primary key (device_id, seq)
);
create index reading_device_ts_idx on public.reading (device_id, ts desc);
create index reading_ts_idx on public.reading (ts);

create table public.reading_minute (
  device_id text not null references public.device(id) on delete cascade,
  bucket timestamptz not null,
  rw_id uuid not null,
  min_cm real not null,
  max_cm real not null,
  sum_cm double precision not null,
  n int not null,
  last_cm real not null,
  last_ts timestamptz not null,
  primary key (device_id, bucket)
);

create table public.reading_hour (like public.reading_minute including all);
alter table public.reading_hour add foreign key (device_id) references public.device(id) on delete cascade;

create table public.panic_event (
  id uuid primary key default gen_random_uuid(),
  rw_id uuid not null references public.rw(id) on delete cascade,
  device_id text not null references public.device(id) on delete cascade,
  seq bigint not null,
  ts timestamptz not null,
  clock_skew boolean not null default false,
  received_at timestamptz not null default now(),
  unique (device_id, seq)
);
create index panic_event_rw_idx on public.panic_event (rw_id, received_at desc);

alter table public.device enable row level security;
alter table public.reading enable row level security;
alter table public.reading_minute enable row level security;
alter table public.reading_hour enable row level security;
alter table public.panic_event enable row level security;

grant select, insert, update on public.device to authenticated;
grant select on public.reading, public.reading_minute, public.reading_hour, public.panic_event to authenticated;

-- Officers of the RW see its devices and data; only the RW admin registers and changes devices.
create policy device_read on public.device for select to authenticated
  using (rw_id in (select app.role_rw_ids(array['rw_admin', 'security_officer', 'rt_head'])));
create policy device_write on public.device for insert to authenticated
  with check (rw_id in (select app.role_rw_ids(array['rw_admin'])));
create policy device_update on public.device for update to authenticated
  using (rw_id in (select app.role_rw_ids(array['rw_admin'])))
  with check (rw_id in (select app.role_rw_ids(array['rw_admin'])));
create policy reading_read on public.reading for select to authenticated
  using (rw_id in (select app.role_rw_ids(array['rw_admin', 'security_officer', 'rt_head'])));
create policy reading_minute_read on public.reading_minute for select to authenticated
  using (rw_id in (select app.role_rw_ids(array['rw_admin', 'security_officer', 'rt_head'])));
create policy reading_hour_read on public.reading_hour for select to authenticated
  using (rw_id in (select app.role_rw_ids(array['rw_admin', 'security_officer', 'rt_head'])));
create policy panic_read on public.panic_event for select to authenticated
  using (rw_id in (select app.role_rw_ids(array['rw_admin', 'security_officer'])));

-- The same secret in Mosquitto's password-file format ($7$: PBKDF2-SHA512), so
-- `npm run mosquitto:config` can enforce the registry on an external broker.
alter table public.device add column mosquitto_hash text;
