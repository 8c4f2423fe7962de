-- Alarms, their history, pump commands and the per-sensor settings the alarm engine
-- reads (docs/domain.md, "Flood monitoring"; docs/architecture.md, "Events").
--
-- One active alarm per (origin device, type): the partial unique index makes the
-- database decide it, so with several app instances on one PostgreSQL an alarm is
-- raised once even if two instances saw the condition at the same moment. Repeats
-- update last_seen_at and count; severity rises and falls in place; cleared (by
-- condition) and acknowledged (by a person, with a note) are independent.

alter table public.device
  -- Rate of rise (cm per 10 minutes) above which a warning is raised even below Siaga 3.
  add column rise_limit_cm_per_10min real not null default 10
    check (rise_limit_cm_per_10min > 0 and rise_limit_cm_per_10min <= 500),
  -- A faulty sensor's alarms silenced for a while, with a reason (audited).
  add column silenced_until timestamptz,
  add column silence_reason text check (silence_reason is null or length(silence_reason) between 3 and 300),
  add column silenced_by uuid references public.app_user(id),
  -- A pump's last reported state (rw/{rw}/pump/{id}/state).
  add column pump_on boolean,
  add column pump_state_at timestamptz;

create table public.alarm (
  id uuid primary key default gen_random_uuid(),
  rw_id uuid not null references public.rw(id) on delete cascade,
  device_id text not null references public.device(id) on delete cascade,
  -- The device's RT when raised: residents of that area are the ones told.
  rt_id uuid,
  type text not null check (type in ('flood_level', 'rate_of_rise', 'sensor_offline', 'low_battery', 'stale_clock', 'panic')),
  -- critical > major > minor > warning (sorted in that order on the dashboard).
  severity text not null check (severity in ('critical', 'major', 'minor', 'warning')),
  -- Siaga level 4..1 for flood_level alarms (1 is the worst); null otherwise.
  siaga smallint check (siaga between 1 and 4),
  first_seen_at timestamptz not null,
  last_seen_at timestamptz not null,
  count int not null default 1 check (count >= 1),
  cleared_at timestamptz,
  acknowledged_at timestamptz,
  acknowledged_by uuid references public.app_user(id),
  ack_note text check (ack_note is null or length(ack_note) between 1 and 500),
  -- What the engine saw: level_cm, rise_cm_per_10min, eta_minutes to the next level, battery_v…
  details jsonb not null default '{}'::jsonb,
  check ((acknowledged_at is null) = (acknowledged_by is null))
);
create unique index alarm_one_active_idx on public.alarm (device_id, type) where cleared_at is null;
create index alarm_rw_idx on public.alarm (rw_id, cleared_at, last_seen_at desc);

-- Every transition of an alarm, in order (never updated).
create table public.alarm_event (
  id bigint generated always as identity primary key,
  alarm_id uuid not null references public.alarm(id) on delete cascade,
  rw_id uuid not null,
  at timestamptz not null,
  kind text not null check (kind in ('raised', 'escalated', 'lowered', 'cleared', 'acknowledged')),
  severity text not null check (severity in ('critical', 'major', 'minor', 'warning')),
  siaga smallint check (siaga between 1 and 4),
  by_user uuid references public.app_user(id),
  note text,
  details jsonb not null default '{}'::jsonb
);
create index alarm_event_alarm_idx on public.alarm_event (alarm_id, id);
create index alarm_event_rw_idx on public.alarm_event (rw_id, id);

-- A command to a pump: who, when, and whether the pump's reported state confirmed it
-- (a command not confirmed within 10 s is failed).
create table public.pump_command (
  id uuid primary key default gen_random_uuid(),
  rw_id uuid not null references public.rw(id) on delete cascade,
  device_id text not null references public.device(id) on delete cascade,
  turn_on boolean not null,
  by_user uuid not null references public.app_user(id),
  at timestamptz not null default now(),
  confirmed_at timestamptz,
  failed_at timestamptz,
  check (confirmed_at is null or failed_at is null)
);
create index pump_command_device_idx on public.pump_command (device_id, at desc);

insert into app.permission (action, role, scope) values
  ('alarms.read', 'rw_admin', 'rw'),
  ('alarms.read', 'security_officer', 'rw'),
  ('alarms.read', 'rt_head', 'rw'),
  ('alarms.acknowledge', 'rw_admin', 'rw'),
  ('alarms.acknowledge', 'security_officer', 'rw'),
  ('pumps.command', 'rw_admin', 'rw'),
  ('pumps.command', 'security_officer', 'rw');

alter table public.alarm enable row level security;
alter table public.alarm_event enable row level security;
alter table public.pump_command enable row level security;
-- Alarms are decided by the server (the owner). The API roles read them, and may only
-- acknowledge: the acknowledgement columns and an 'acknowledged' event.
revoke all on public.alarm, public.alarm_event, public.pump_command from anon, authenticated;
grant select on public.alarm, public.alarm_event, public.pump_command to authenticated;
grant update (acknowledged_at, acknowledged_by, ack_note) on public.alarm to authenticated;
grant insert (alarm_id, rw_id, at, kind, severity, siaga, by_user, note) on public.alarm_event to authenticated;
grant insert (rw_id, device_id, turn_on, by_user) on public.pump_command to authenticated;

create policy alarm_read on public.alarm for select to authenticated
  using (rw_id in (select app.may_rws('alarms.read')));
create policy alarm_acknowledge on public.alarm for update to authenticated
  using (rw_id in (select app.may_rws('alarms.acknowledge')) and acknowledged_at is null)
  with check (rw_id in (select app.may_rws('alarms.acknowledge')) and acknowledged_by = auth.uid());
create policy alarm_event_read on public.alarm_event for select to authenticated
  using (rw_id in (select app.may_rws('alarms.read')));
create policy alarm_event_acknowledge on public.alarm_event for insert to authenticated
  with check (kind = 'acknowledged' and by_user = auth.uid() and rw_id in (select app.may_rws('alarms.acknowledge'))
    and exists (select 1 from public.alarm a where a.id = alarm_id and a.rw_id = alarm_event.rw_id));
create policy pump_command_read on public.pump_command for select to authenticated
  using (rw_id in (select app.may_rws('pumps.command')));
create policy pump_command_insert on public.pump_command for insert to authenticated
  with check (by_user = auth.uid() and rw_id in (select app.may_rws('pumps.command'))
    and exists (select 1 from public.device d where d.id = device_id and d.rw_id = pump_command.rw_id and d.kind = 'pump'));
