-- One permissions model. Who may do what is stated once, as a table of role × action
-- × scope that mirrors src/lib/domain/permissions.ts (tests/integration/permissions.test.ts
-- checks, for every role and action, that the TypeScript answer is what Row Level
-- Security allows). The policies below were each written as "RW admin of this RW, or
-- head of this RT" by hand; they now ask the table, through:
--   app.may(action, rw, rt)  — may the caller do it to a thing in this RW (and RT)?
--   app.may_rws(action)      — the RWs where the caller may do it everywhere;
--   app.may_rts(action)      — the RTs where the caller may do it (all of an RW's RTs
--                              when the caller's role reaches the whole RW).
-- Policies use the set forms as `rt_id in (select app.may_rts('…'))`, which PostgreSQL
-- evaluates once per statement (an InitPlan), not once per row: a list of thousands of
-- residents costs what the old two-helper policies cost. Behaviour is unchanged.

create table app.permission (
  action text not null check (action ~ '^[a-z_]+\.[a-z_]+$'),
  role text not null check (role in ('resident', 'rt_head', 'rw_admin', 'treasurer', 'security_officer')),
  -- 'rw': everywhere in the RW of the membership; 'rt': only in the RT the membership
  -- names (an RT head's RT).
  scope text not null check (scope in ('rw', 'rt')),
  primary key (action, role),
  check (scope = 'rw' or role = 'rt_head')
);
-- Read only through the functions below; never exposed to the API roles.
revoke all on app.permission from public;

insert into app.permission (action, role, scope) values
  ('area.rt', 'rt_head', 'rt'),
  ('area.rw', 'rw_admin', 'rw'),
  ('area.treasurer', 'treasurer', 'rw'),
  ('area.security', 'security_officer', 'rw'),
  ('rw.manage', 'rw_admin', 'rw'),
  ('members.read', 'rw_admin', 'rw'),
  ('members.read', 'rt_head', 'rt'),
  ('members.manage', 'rw_admin', 'rw'),
  ('invites.any_role', 'rw_admin', 'rw'),
  ('invites.resident', 'rw_admin', 'rw'),
  ('invites.resident', 'rt_head', 'rt'),
  ('audit.read', 'rw_admin', 'rw'),
  ('houses.read', 'rw_admin', 'rw'),
  ('houses.read', 'treasurer', 'rw'),
  ('houses.read', 'security_officer', 'rw'),
  ('houses.read', 'rt_head', 'rt'),
  ('registry.read', 'rw_admin', 'rw'),
  ('registry.read', 'rt_head', 'rt'),
  ('registry.write', 'rw_admin', 'rw'),
  ('registry.write', 'rt_head', 'rt'),
  ('registry.reveal', 'rw_admin', 'rw'),
  ('registry.reveal', 'rt_head', 'rt'),
  ('devices.read', 'rw_admin', 'rw'),
  ('devices.read', 'security_officer', 'rw'),
  ('devices.read', 'rt_head', 'rw'),
  ('devices.manage', 'rw_admin', 'rw'),
  ('panic.read', 'rw_admin', 'rw'),
  ('panic.read', 'security_officer', 'rw'),
  ('letters.configure', 'rw_admin', 'rw'),
  ('letters.review_rt', 'rt_head', 'rt'),
  ('letters.review_rw', 'rw_admin', 'rw');

-- The caller is auth.uid() from the request's claims. A grant reaches a thing in RW
-- `rw` and RT `rt` when the caller holds the role in that RW and the scope is 'rw', or
-- the scope is 'rt' and the membership names that RT. Each function is one statement
-- (these run in every policy: measured on PGlite, a nested helper cost 2 ms per list
-- page). An action the table does not know is a bug in a policy or query, not a
-- refusal: it raises, checked only when the answer would be no.
create function app.assert_action(p_action text) returns void
language plpgsql stable security definer set search_path = public, pg_temp
as $$
begin
  if not exists (select 1 from app.permission p where p.action = p_action) then
    raise exception 'unknown permission action %', p_action using errcode = '22023';
  end if;
end
$$;

create function app.may(p_action text, p_rw uuid, p_rt uuid default null) returns boolean
language plpgsql stable security definer set search_path = public, pg_temp
as $$
begin
  if exists (select 1 from public.membership m join app.permission p on p.role = m.role and p.action = p_action
              where m.user_id = auth.uid() and m.rw_id = p_rw and (p.scope = 'rw' or m.rt_id = p_rt)) then
    return true;
  end if;
  perform app.assert_action(p_action);
  return false;
end
$$;

-- The RWs where the caller may do it everywhere.
create function app.may_rws(p_action text) returns setof uuid
language plpgsql stable security definer set search_path = public, pg_temp
as $$
begin
  return query
    select m.rw_id from public.membership m join app.permission p on p.role = m.role and p.action = p_action
     where m.user_id = auth.uid() and p.scope = 'rw';
  if not found then perform app.assert_action(p_action); end if;
end
$$;

-- The RTs where the caller may do it: every RT of an RW their role reaches whole.
create function app.may_rts(p_action text) returns setof uuid
language plpgsql stable security definer set search_path = public, pg_temp
as $$
begin
  return query
    select rt.id from public.membership m join app.permission p on p.role = m.role and p.action = p_action
      join public.rt on rt.rw_id = m.rw_id and (p.scope = 'rw' or rt.id = m.rt_id)
     where m.user_id = auth.uid();
  if not found then perform app.assert_action(p_action); end if;
end
$$;

revoke all on function app.assert_action(text), app.may(text, uuid, uuid), app.may_rws(text), app.may_rts(text) from public;
grant execute on function app.assert_action(text), app.may(text, uuid, uuid), app.may_rws(text), app.may_rts(text) to authenticated;

-- ---------------------------------------------------------------------------
-- Helpers that answered the same question by hand.

create or replace function app.visible_user_ids() returns setof uuid
language plpgsql stable security definer set search_path = public, pg_temp
as $$ begin return query select m.user_id from public.membership m
   where m.rw_id in (select app.may_rws('members.read'))
      or m.rt_id in (select app.may_rts('members.read')); end $$;

create or replace function app.mutation_history(p_resident uuid) returns table (first_on date, last_on date, events int)
language plpgsql stable security definer set search_path = public, pg_temp
as $$
begin
  return query
    select min(m.occurred_on), max(m.occurred_on), count(*)::int from public.mutation m
     where m.resident_id = p_resident
       and exists (select 1 from public.resident r where r.id = p_resident and r.rw_id = m.rw_id
                     and r.rt_id in (select app.may_rts('registry.read')));
end
$$;

-- ---------------------------------------------------------------------------
-- Tenancy.

drop policy rw_admin_update on public.rw;
create policy rw_admin_update on public.rw for update to authenticated
  using (id in (select app.may_rws('rw.manage'))) with check (id in (select app.may_rws('rw.manage')));

drop policy rt_admin_write on public.rt;
create policy rt_admin_write on public.rt for insert to authenticated
  with check (rw_id in (select app.may_rws('rw.manage')));
drop policy rt_admin_update on public.rt;
create policy rt_admin_update on public.rt for update to authenticated
  using (rw_id in (select app.may_rws('rw.manage'))) with check (rw_id in (select app.may_rws('rw.manage')));

drop policy house_read on public.house;
create policy house_read on public.house for select to authenticated using (
  rt_id in (select app.may_rts('houses.read'))
  or id in (select app.my_house_ids())
  or id in (select app.my_household_house_ids())
);
drop policy house_insert on public.house;
create policy house_insert on public.house for insert to authenticated
  with check (rt_id in (select app.may_rts('registry.write')));
drop policy house_update on public.house;
create policy house_update on public.house for update to authenticated
  using (rt_id in (select app.may_rts('registry.write')))
  with check (rt_id in (select app.may_rts('registry.write')));

-- Memberships and invites of roles bound to no RT (rt_id null) are the RW's.
drop policy membership_read on public.membership;
create policy membership_read on public.membership for select to authenticated using (
  user_id = auth.uid()
  or rw_id in (select app.may_rws('members.read'))
  or rt_id in (select app.may_rts('members.read'))
);
drop policy membership_admin_write on public.membership;
create policy membership_admin_write on public.membership for all to authenticated
  using (rw_id in (select app.may_rws('members.manage')))
  with check (rw_id in (select app.may_rws('members.manage')));

drop policy invite_read on public.invite;
create policy invite_read on public.invite for select to authenticated using (
  rw_id in (select app.may_rws('invites.any_role'))
  or (role = 'resident' and rt_id in (select app.may_rts('invites.resident')))
);
drop policy invite_insert on public.invite;
create policy invite_insert on public.invite for insert to authenticated with check (
  created_by = auth.uid() and (
    rw_id in (select app.may_rws('invites.any_role'))
    or (role = 'resident' and rt_id in (select app.may_rts('invites.resident')))
  )
);
drop policy invite_revoke on public.invite;
create policy invite_revoke on public.invite for update to authenticated using (
  rw_id in (select app.may_rws('invites.any_role'))
  or (role = 'resident' and rt_id in (select app.may_rts('invites.resident')))
);

drop policy password_reset_admin on public.password_reset;
create policy password_reset_admin on public.password_reset for all to authenticated
  using (rw_id in (select app.may_rws('members.manage')))
  with check (rw_id in (select app.may_rws('members.manage')) and created_by = auth.uid());

drop policy audit_read on public.audit_log;
create policy audit_read on public.audit_log for select to authenticated
  using (rw_id in (select app.may_rws('audit.read')));

-- ---------------------------------------------------------------------------
-- Registry.

drop policy household_read on public.household;
create policy household_read on public.household for select to authenticated using (
  rt_id in (select app.may_rts('registry.read'))
  or id in (select app.my_household_ids())
);
drop policy household_write on public.household;
create policy household_write on public.household for insert to authenticated
  with check (rt_id in (select app.may_rts('registry.write')));
drop policy household_update on public.household;
create policy household_update on public.household for update to authenticated
  using (rt_id in (select app.may_rts('registry.write')))
  with check (rt_id in (select app.may_rts('registry.write')));

drop policy resident_read on public.resident;
create policy resident_read on public.resident for select to authenticated using (
  rt_id in (select app.may_rts('registry.read'))
  or household_id in (select app.my_household_ids())
);
drop policy resident_write on public.resident;
create policy resident_write on public.resident for insert to authenticated
  with check (rt_id in (select app.may_rts('registry.write')));
drop policy resident_update on public.resident;
create policy resident_update on public.resident for update to authenticated
  using (rt_id in (select app.may_rts('registry.write')))
  with check (rt_id in (select app.may_rts('registry.write')));

drop policy resident_name_word_read on public.resident_name_word;
create policy resident_name_word_read on public.resident_name_word for select to authenticated
  using (rt_id in (select app.may_rts('registry.read')));

-- A change of household into another RT is seen from both RTs, and writing one needs both.
drop policy mutation_read on public.mutation;
create policy mutation_read on public.mutation for select to authenticated using (
  rt_id in (select app.may_rts('registry.read'))
  or to_rt_id in (select app.may_rts('registry.read'))
);
drop policy mutation_write on public.mutation;
create policy mutation_write on public.mutation for insert to authenticated with check (
  recorded_by = auth.uid()
  and rt_id in (select app.may_rts('registry.write'))
  and (to_rt_id is null or to_rt_id in (select app.may_rts('registry.write')))
  and exists (select 1 from public.resident r where r.id = resident_id and r.rw_id = mutation.rw_id)
);

drop policy pii_log_read on public.pii_access_log;
create policy pii_log_read on public.pii_access_log for select to authenticated
  using (rw_id in (select app.may_rws('audit.read')));

drop policy correction_read on public.correction_request;
create policy correction_read on public.correction_request for select to authenticated using (
  requested_by = auth.uid()
  or rt_id in (select app.may_rts('registry.read'))
);
drop policy correction_handle on public.correction_request;
create policy correction_handle on public.correction_request for update to authenticated
  using (rt_id in (select app.may_rts('registry.write')))
  with check (rt_id in (select app.may_rts('registry.write')));

-- ---------------------------------------------------------------------------
-- Devices.

drop policy device_read on public.device;
create policy device_read on public.device for select to authenticated
  using (rw_id in (select app.may_rws('devices.read')));
drop policy device_write on public.device;
create policy device_write on public.device for insert to authenticated
  with check (rw_id in (select app.may_rws('devices.manage')));
drop policy device_update on public.device;
create policy device_update on public.device for update to authenticated
  using (rw_id in (select app.may_rws('devices.manage')))
  with check (rw_id in (select app.may_rws('devices.manage')));
drop policy reading_read on public.reading;
create policy reading_read on public.reading for select to authenticated
  using (rw_id in (select app.may_rws('devices.read')));
drop policy reading_minute_read on public.reading_minute;
create policy reading_minute_read on public.reading_minute for select to authenticated
  using (rw_id in (select app.may_rws('devices.read')));
drop policy reading_hour_read on public.reading_hour;
create policy reading_hour_read on public.reading_hour for select to authenticated
  using (rw_id in (select app.may_rws('devices.read')));
drop policy panic_read on public.panic_event;
create policy panic_read on public.panic_event for select to authenticated
  using (rw_id in (select app.may_rws('panic.read')));

-- ---------------------------------------------------------------------------
-- Letters.

drop policy letter_service_admin on public.letter_service;
create policy letter_service_admin on public.letter_service for insert to authenticated
  with check (rw_id in (select app.may_rws('letters.configure')));
drop policy letter_service_admin_update on public.letter_service;
create policy letter_service_admin_update on public.letter_service for update to authenticated
  using (rw_id in (select app.may_rws('letters.configure')))
  with check (rw_id in (select app.may_rws('letters.configure')));
drop policy letter_settings_admin on public.letter_settings;
create policy letter_settings_admin on public.letter_settings for insert to authenticated
  with check (rw_id in (select app.may_rws('letters.configure')));
drop policy letter_settings_admin_update on public.letter_settings;
create policy letter_settings_admin_update on public.letter_settings for update to authenticated
  using (rw_id in (select app.may_rws('letters.configure')))
  with check (rw_id in (select app.may_rws('letters.configure')));

-- The requester sees their own; the RT head their RT's once submitted; the RW admin
-- the RW's once submitted. Drafts are the requester's alone.
drop policy letter_request_read on public.letter_request;
create policy letter_request_read on public.letter_request for select to authenticated using (
  requester_id = auth.uid()
  or (status <> 'draft' and rt_id in (select app.may_rts('letters.review_rt')))
  or (status <> 'draft' and rw_id in (select app.may_rws('letters.review_rw')))
);
drop policy letter_request_update on public.letter_request;
create policy letter_request_update on public.letter_request for update to authenticated
  using (
    requester_id = auth.uid()
    or rt_id in (select app.may_rts('letters.review_rt'))
    or rw_id in (select app.may_rws('letters.review_rw'))
  )
  with check (
    requester_id = auth.uid()
    or rt_id in (select app.may_rts('letters.review_rt'))
    or rw_id in (select app.may_rws('letters.review_rw'))
  );

drop policy letter_register_admin on public.letter_register;
create policy letter_register_admin on public.letter_register for all to authenticated
  using (rw_id in (select app.may_rws('letters.review_rw')))
  with check (rw_id in (select app.may_rws('letters.review_rw')));

drop policy letter_read on public.letter;
create policy letter_read on public.letter for select to authenticated using (
  rw_id in (select app.may_rws('letters.review_rw'))
  or request_id in (select r.id from public.letter_request r)
);
drop policy letter_admin_insert on public.letter;
create policy letter_admin_insert on public.letter for insert to authenticated
  with check (rw_id in (select app.may_rws('letters.review_rw')) and issued_by = auth.uid());
drop policy letter_admin_update on public.letter;
create policy letter_admin_update on public.letter for update to authenticated
  using (rw_id in (select app.may_rws('letters.review_rw')))
  with check (rw_id in (select app.may_rws('letters.review_rw')));

drop policy pickup_read on public.pickup_booking;
create policy pickup_read on public.pickup_booking for select to authenticated using (
  booked_by = auth.uid() or rw_id in (select app.may_rws('letters.review_rw'))
);
drop policy pickup_update on public.pickup_booking;
create policy pickup_update on public.pickup_booking for update to authenticated
  using (booked_by = auth.uid() or rw_id in (select app.may_rws('letters.review_rw')))
  with check (booked_by = auth.uid() or rw_id in (select app.may_rws('letters.review_rw')));

drop policy letter_survey_read on public.letter_survey;
create policy letter_survey_read on public.letter_survey for select to authenticated using (
  respondent_id = auth.uid() or rw_id in (select app.may_rws('letters.review_rw'))
);
