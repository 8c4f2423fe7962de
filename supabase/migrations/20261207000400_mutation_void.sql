-- A wrong mutation is voided, never deleted: who voided it, when and why stay on the
-- row, the history keeps it (shown struck through), and the monthly counts, the rules
-- of the next event and the resident's status follow the events that remain.

alter table public.mutation
  add column status_before text check (status_before in ('permanent', 'temporary', 'moved', 'died')),
  add column voided_at timestamptz,
  add column voided_by uuid references public.app_user(id),
  add column void_reason text check (void_reason is null or length(void_reason) between 3 and 500),
  add constraint mutation_void_complete check (
    (voided_at is null and voided_by is null and void_reason is null)
    or (voided_at is not null and voided_by is not null and void_reason is not null)
  );

-- Only the void columns may be written after the insert, once, by the one voiding.
grant update (voided_at, voided_by, void_reason) on public.mutation to authenticated;
create policy mutation_void on public.mutation for update to authenticated
  using (
    voided_at is null
    and rt_id in (select app.may_rts('registry.write'))
    and (to_rt_id is null or to_rt_id in (select app.may_rts('registry.write')))
  )
  with check (voided_by = auth.uid() and voided_at is not null);

-- A void is written once, changes nothing else, and undoes only the resident's latest
-- standing event, so what remains is still a history the rules allow (an earlier one
-- is reached by voiding the later ones first).
create function app.mutation_void_once() returns trigger
language plpgsql security definer set search_path = public, pg_temp
as $$
begin
  if old.voided_at is not null then
    raise exception 'mutation % is already voided', old.id using errcode = '23514';
  end if;
  if (new.id, new.rw_id, new.rt_id, new.to_rt_id, new.resident_id, new.kind, new.occurred_on, new.from_household_id,
      new.to_household_id, new.note, new.document_path, new.recorded_by, new.created_at, new.status_before)
     is distinct from
     (old.id, old.rw_id, old.rt_id, old.to_rt_id, old.resident_id, old.kind, old.occurred_on, old.from_household_id,
      old.to_household_id, old.note, old.document_path, old.recorded_by, old.created_at, old.status_before) then
    raise exception 'a recorded mutation is voided, not changed' using errcode = '23514';
  end if;
  if exists (select 1 from public.mutation m
              where m.resident_id = old.resident_id and m.voided_at is null and m.id <> old.id
                and (m.occurred_on, m.created_at) > (old.occurred_on, old.created_at)) then
    raise exception 'mutation.void_not_latest' using errcode = '23514', detail = 'Void the later events first.';
  end if;
  return new;
end
$$;
revoke all on function app.mutation_void_once() from public;
create trigger mutation_void_once before update on public.mutation
  for each row execute function app.mutation_void_once();

-- The void undoes the event on the resident, as app.mutation_apply did it: the status
-- they had before it (kept on the row since this migration; for an older row, a death or
-- move out ended a stay taken as permanent, a move in after an earlier event was a
-- return), and for a change of household the KK they came from. The one-head-per-KK
-- index refuses a head coming back to a KK that has a head again.
create function app.mutation_unapply() returns trigger
language plpgsql security definer set search_path = public, pg_temp
as $$
declare
  earlier boolean;
begin
  earlier := exists (select 1 from public.mutation m where m.resident_id = new.resident_id and m.voided_at is null and m.id <> new.id);
  update public.resident r
     set status = coalesce(new.status_before, case
                    when new.kind in ('died', 'moved_out') then 'permanent'
                    when new.kind = 'moved_in' and earlier then 'moved'
                    else r.status end),
         household_id = case when new.kind = 'changed_household' and new.from_household_id is not null then new.from_household_id else r.household_id end
   where r.id = new.resident_id;
  return null;
end
$$;
revoke all on function app.mutation_unapply() from public;
create trigger mutation_unapply after update of voided_at on public.mutation
  for each row when (old.voided_at is null and new.voided_at is not null) execute function app.mutation_unapply();

create index mutation_resident_live_idx on public.mutation (resident_id, occurred_on desc, created_at desc) where voided_at is null;

-- The rules of a new event, and a corrected birth date, see only the events that stand
-- (20261207000100_permissions.sql and 20261207000200_database_guard.sql, with voided
-- events left out); the status before each new event is kept on its row.
create or replace function app.mutation_history(p_resident uuid) returns table (first_on date, last_on date, events int)
language plpgsql stable security definer set search_path = public, pg_temp
as $$
begin
  return query
    select min(m.occurred_on), max(m.occurred_on), count(*)::int from public.mutation m
     where m.resident_id = p_resident and m.voided_at is null
       and exists (select 1 from public.resident r where r.id = p_resident and r.rw_id = m.rw_id
                     and r.rt_id in (select app.may_rts('registry.read')));
end
$$;

create or replace function app.mutation_check() returns trigger
language plpgsql security definer set search_path = public, pg_temp
as $$
declare
  r record;
  last_on date;
  refused text;
begin
  -- An unknown kind is the check constraint's to refuse.
  if new.kind not in ('moved_in', 'moved_out', 'born', 'died', 'changed_household') then return new; end if;
  select id, rt_id, household_id, status, birth_date into r
    from public.resident where id = new.resident_id and rw_id = new.rw_id for update;
  if not found then
    raise exception 'mutation for an unknown resident' using errcode = '23503';
  end if;
  select max(m.occurred_on) into last_on from public.mutation m where m.resident_id = new.resident_id and m.voided_at is null;
  new.rt_id := r.rt_id;
  new.status_before := r.status;
  new.voided_at := null;
  new.voided_by := null;
  new.void_reason := null;
  if new.kind = 'changed_household' then
    new.from_household_id := r.household_id;
  elsif new.from_household_id is distinct from r.household_id and new.from_household_id is not null then
    refused := 'mutation: the source household is not the resident''s';
  elsif new.kind in ('born', 'moved_in') and new.to_household_id is distinct from r.household_id and new.to_household_id is not null then
    refused := 'mutation: an arrival names another household than the resident''s';
  end if;
  refused := coalesce(refused, case
    when r.status = 'died' then 'mutation.rule_died'
    when r.status = 'moved' and new.kind <> 'moved_in' then 'mutation.rule_moved'
    when r.status in ('permanent', 'temporary') and last_on is not null and new.kind = 'moved_in' then 'mutation.rule_already_here'
    when r.status in ('permanent', 'temporary') and last_on is not null and new.kind = 'born' then 'mutation.rule_born_first'
    when new.occurred_on > (now() at time zone 'Asia/Jakarta')::date then 'mutation.rule_future'
    when new.occurred_on < r.birth_date then 'mutation.rule_before_birth'
    when new.kind = 'born' and new.occurred_on > r.birth_date + 60 then 'mutation.rule_born_date'
    when last_on is not null and new.occurred_on < last_on then 'mutation.rule_before_last'
  end);
  if refused is not null then
    raise exception '%', refused using errcode = '23514', detail = 'The event does not follow the resident''s history.';
  end if;
  return new;
end
$$;
