-- Panic incidents (docs/panic.md): one per press, from the PWA or from a panic button,
-- with its lifecycle triggered → acknowledged → dispatched → resolved | false_alarm,
-- or cancelled by the resident within 10 seconds (still kept). Every step is written
-- to panic_incident_step by a trigger, in the same statement as the step itself, so
-- a step cannot be stored without its log line.
--
-- A panic button's press becomes an incident in the ingest's own transaction (the
-- insert trigger on panic_event below): a stored press always has its incident, even
-- when the process dies right after the commit.

-- Where a panic button is: the house it guards (optional; its lat/lng otherwise).
alter table public.device add column house_id uuid,
  add foreign key (rw_id, house_id) references public.house(rw_id, id);

create table public.panic_incident (
  id uuid primary key default gen_random_uuid(),
  rw_id uuid not null references public.rw(id) on delete cascade,
  rt_id uuid,
  source text not null check (source in ('app', 'device')),
  house_id uuid,
  device_id text references public.device(id) on delete set null,
  panic_event_id uuid unique references public.panic_event(id) on delete set null,
  reporter_id uuid references public.app_user(id),
  -- The key the phone made for this press: its retries find the same incident.
  client_key text check (client_key is null or client_key ~ '^[A-Za-z0-9_-]{8,64}$'),
  category text check (category in ('kejahatan', 'kebakaran', 'medis', 'lainnya')),
  -- Frozen at the press: who and where, for the officer who calls back (officers may
  -- not read the member list; the incident carries what they need).
  reporter_name text,
  reporter_phone text,
  place_label text not null default '',
  lat double precision check (lat between -90 and 90),
  lng double precision check (lng between -180 and 180),
  accuracy_m real check (accuracy_m >= 0),
  state text not null default 'triggered'
    check (state in ('triggered', 'acknowledged', 'dispatched', 'resolved', 'false_alarm', 'cancelled')),
  triggered_at timestamptz not null,
  acknowledged_at timestamptz,
  acknowledged_by uuid references public.app_user(id),
  dispatched_at timestamptz,
  dispatched_by uuid references public.app_user(id),
  officer_id uuid references public.app_user(id),
  closed_at timestamptz,
  closed_by uuid references public.app_user(id),
  escalated_at timestamptz,
  -- Officers and RW admins told (in-app notification) of a button's press: after the
  -- ingest's commit, once across instances (a conditional update).
  announced_at timestamptz,
  -- The note of the latest step (copied into its step row).
  note text check (note is null or length(note) between 1 and 500),
  foreign key (rw_id, house_id) references public.house(rw_id, id),
  unique (reporter_id, client_key),
  check ((source = 'app') = (reporter_id is not null)),
  check ((acknowledged_at is null) = (acknowledged_by is null)),
  check ((dispatched_at is null) = (officer_id is null))
);
create index panic_incident_rw_idx on public.panic_incident (rw_id, triggered_at desc);
create index panic_incident_open_idx on public.panic_incident (rw_id, triggered_at) where state in ('triggered', 'acknowledged', 'dispatched');
create index panic_incident_reporter_idx on public.panic_incident (reporter_id, triggered_at desc);
create index panic_incident_unannounced_idx on public.panic_incident (triggered_at) where announced_at is null;

create table public.panic_incident_step (
  id bigint generated always as identity primary key,
  incident_id uuid not null references public.panic_incident(id) on delete cascade,
  rw_id uuid not null,
  at timestamptz not null,
  step text not null check (step in ('triggered', 'acknowledged', 'dispatched', 'resolved', 'false_alarm', 'cancelled', 'escalated')),
  by_user uuid references public.app_user(id),
  by_name text,
  officer_id uuid references public.app_user(id),
  officer_name text,
  note text
);
create index panic_incident_step_idx on public.panic_incident_step (incident_id, id);

-- The lifecycle, again as the database's last guard (src/lib/domain/panic.ts states it
-- for the app): only these moves, and each sets its own time and person.
create function app.panic_incident_guard() returns trigger
language plpgsql as $$
begin
  if new.state is distinct from old.state and not (
       (old.state = 'triggered' and new.state in ('acknowledged', 'cancelled'))
    or (old.state = 'acknowledged' and new.state in ('dispatched', 'resolved', 'false_alarm'))
    or (old.state = 'dispatched' and new.state in ('resolved', 'false_alarm'))) then
    raise exception 'panic incident may not go from % to %', old.state, new.state using errcode = '42501';
  end if;
  if old.escalated_at is not null and new.escalated_at is distinct from old.escalated_at then
    raise exception 'panic incident escalation is recorded once' using errcode = '42501';
  end if;
  if new.id <> old.id or new.rw_id <> old.rw_id or new.source <> old.source or new.triggered_at <> old.triggered_at
     or new.reporter_id is distinct from old.reporter_id then
    raise exception 'panic incident origin may not change' using errcode = '42501';
  end if;
  return new;
end $$;
create trigger panic_incident_guard before update on public.panic_incident
  for each row execute function app.panic_incident_guard();

-- Every step logged with its time and person (and the person's name for the history).
create function app.panic_incident_log() returns trigger
language plpgsql security definer set search_path = public, pg_temp as $$
declare
  who uuid;
  at_ timestamptz;
begin
  if tg_op = 'INSERT' or new.state is distinct from old.state then
    who := case new.state when 'triggered' then new.reporter_id when 'acknowledged' then new.acknowledged_by
                          when 'dispatched' then new.dispatched_by else new.closed_by end;
    at_ := case new.state when 'triggered' then new.triggered_at when 'acknowledged' then new.acknowledged_at
                          when 'dispatched' then new.dispatched_at else new.closed_at end;
    insert into panic_incident_step (incident_id, rw_id, at, step, by_user, by_name, officer_id, officer_name, note)
    values (new.id, new.rw_id, coalesce(at_, now()), new.state, who, (select name from app_user where id = who),
            case when new.state = 'dispatched' then new.officer_id end,
            case when new.state = 'dispatched' then (select name from app_user where id = new.officer_id) end,
            case when tg_op = 'INSERT' then null else new.note end);
  end if;
  if tg_op = 'UPDATE' and old.escalated_at is null and new.escalated_at is not null then
    insert into panic_incident_step (incident_id, rw_id, at, step) values (new.id, new.rw_id, new.escalated_at, 'escalated');
  end if;
  return null;
end $$;
create trigger panic_incident_log after insert or update on public.panic_incident
  for each row execute function app.panic_incident_log();

-- A panic button's stored press is an incident in the same transaction.
create function app.panic_event_incident() returns trigger
language plpgsql security definer set search_path = public, pg_temp as $$
begin
  insert into panic_incident (rw_id, rt_id, source, house_id, device_id, panic_event_id, place_label, lat, lng, triggered_at)
  select new.rw_id, coalesce(h.rt_id, d.rt_id), 'device', d.house_id, d.id, new.id,
         d.name || coalesce(' · ' || nullif(concat_ws(' ', nullif(h.block, ''), h.number), ''), ''),
         coalesce(d.lat, h.lat), coalesce(d.lng, h.lng), new.received_at
    from device d left join house h on h.id = d.house_id
   where d.id = new.device_id;
  return null;
end $$;
create trigger panic_event_incident after insert on public.panic_event
  for each row execute function app.panic_event_incident();

-- Who may do what with incidents (src/lib/domain/permissions.ts).
insert into app.permission (action, role, scope) values
  ('incidents.read', 'rw_admin', 'rw'),
  ('incidents.read', 'security_officer', 'rw'),
  ('incidents.read', 'rt_head', 'rt'),
  ('incidents.handle', 'rw_admin', 'rw'),
  ('incidents.handle', 'security_officer', 'rw'),
  ('incidents.report', 'rw_admin', 'rw');

alter table public.panic_incident enable row level security;
alter table public.panic_incident_step enable row level security;
revoke all on public.panic_incident, public.panic_incident_step from anon, authenticated;
grant select on public.panic_incident, public.panic_incident_step to authenticated;
grant insert (rw_id, rt_id, source, house_id, reporter_id, client_key, category, reporter_name, reporter_phone,
              place_label, lat, lng, accuracy_m, triggered_at, announced_at) on public.panic_incident to authenticated;
grant update (state, acknowledged_at, acknowledged_by, dispatched_at, dispatched_by, officer_id, closed_at, closed_by, note)
  on public.panic_incident to authenticated;

-- Residents see their own presses; officers and the RW admin the RW's; RT heads their RT's.
create policy panic_incident_read on public.panic_incident for select to authenticated using (
  reporter_id = auth.uid()
  or rw_id in (select app.may_rws('incidents.read'))
  or rt_id in (select app.may_rts('incidents.read')));
-- A member presses for themselves, from their own house (or none), in their RW.
create policy panic_incident_press on public.panic_incident for insert to authenticated with check (
  source = 'app' and reporter_id = auth.uid() and state = 'triggered'
  and rw_id in (select app.member_rw_ids())
  and (house_id is null or house_id in (select app.my_house_ids())));
-- Officers move the RW's incidents along; the reporter may only cancel a fresh one.
create policy panic_incident_handle on public.panic_incident for update to authenticated
  using (rw_id in (select app.may_rws('incidents.handle')))
  with check (rw_id in (select app.may_rws('incidents.handle')) and state <> 'cancelled');
create policy panic_incident_cancel on public.panic_incident for update to authenticated
  using (reporter_id = auth.uid() and state = 'triggered')
  with check (reporter_id = auth.uid() and state = 'cancelled' and closed_by = auth.uid());
create policy panic_incident_step_read on public.panic_incident_step for select to authenticated
  using (incident_id in (select id from public.panic_incident));

-- Who answers a panic in an RW: its security officers and RW admins. Their ids for any
-- member of the RW (a press notifies them, in the presser's transaction); their names
-- only for those who handle incidents (the dispatch list).
create function app.panic_responder_ids(p_rw uuid) returns setof uuid
language plpgsql stable security definer set search_path = public, pg_temp
as $$ begin
  if p_rw not in (select app.member_rw_ids()) then return; end if;
  return query select distinct m.user_id from membership m join app_user u on u.id = m.user_id
   where m.rw_id = p_rw and m.role in ('security_officer', 'rw_admin') and u.disabled_at is null;
end $$;
create function app.panic_officers(p_rw uuid) returns table (id uuid, name text, phone text)
language plpgsql stable security definer set search_path = public, pg_temp
as $$ begin
  if not app.may('incidents.handle', p_rw, null) then return; end if;
  return query select distinct u.id, u.name, u.phone from membership m join app_user u on u.id = m.user_id
   where m.rw_id = p_rw and m.role = 'security_officer' and u.disabled_at is null order by u.name;
end $$;
revoke all on function app.panic_responder_ids(uuid), app.panic_officers(uuid) from public;
grant execute on function app.panic_responder_ids(uuid), app.panic_officers(uuid) to authenticated;
