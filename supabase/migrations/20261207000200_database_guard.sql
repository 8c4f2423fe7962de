-- The database as the last guard. On Supabase the tables are reachable through its API,
-- so a logged-in member can send plain SQL-level requests (as the role `authenticated`,
-- with their own claims) that skip the app's services. Row Level Security already keeps
-- each of them to their RW and RT (20261207000100_permissions.sql); this migration makes
-- the register's own rules hold there too:
--   1. a resident's account link, status and household change only by the rules
--      (linking by phone; a recorded mutation), never by a direct update;
--   2. a mutation agrees with the resident it is about and their history, and applies
--      itself to the resident (status, household) in the same statement;
--   3. one head of family per KK among the people living there;
--   4. a correction request and a letter request belong to the RT of what they are
--      about; a letter request moves only along its flow, each step by whom it is for.

-- ---------------------------------------------------------------------------
-- 1. Resident columns the API roles may write. Not user_id (the link to an account),
--    and on update not status or household_id (a mutation changes those, below);
--    rt_id and the list columns are set by triggers.

-- (Supabase's default privileges grant every table to both API roles: revoke from both.)
revoke insert, update on public.resident from anon, authenticated;
grant insert (rw_id, rt_id, household_id, nik_enc, nik_hash, nik_masked, nik_last4, name, birth_place, birth_date,
  sex, religion, marital_status, relation, occupation, phone, status) on public.resident to authenticated;
grant update (nik_enc, nik_hash, nik_masked, nik_last4, name, birth_place, birth_date, sex, religion, marital_status,
  relation, occupation, phone) on public.resident to authenticated;

-- The phone-link rule (records.ts, linkByPhone): a record of someone living here is
-- linked to a resident member of its RW whose phone it carries, who belongs to the
-- record's RT and, when their membership names a house, to the record's house. Only
-- unlinked records are touched. Either the given records, or every record a member's
-- phone matches in one RW (when they join). Owner only: the API roles reach it through
-- app.link_residents_by_phone.
create function app.link_by_phone(p_resident_ids uuid[], p_user uuid, p_rw uuid) returns int
language plpgsql security definer set search_path = public, pg_temp
as $$
declare
  linked int;
begin
  if p_resident_ids is not null then
    update public.resident r set user_id = m.user_id
      from public.household hh, public.membership m, public.app_user u
     where r.id = any (p_resident_ids) and r.user_id is null and r.status in ('permanent', 'temporary')
       and hh.id = r.household_id and m.rw_id = r.rw_id and m.role = 'resident' and m.rt_id = r.rt_id
       and (m.house_id is null or m.house_id = hh.house_id) and u.id = m.user_id and u.phone = r.phone;
  else
    update public.resident r set user_id = m.user_id
      from public.household hh, public.membership m, public.app_user u
     where u.id = p_user and r.rw_id = p_rw and r.user_id is null and r.status in ('permanent', 'temporary')
       and hh.id = r.household_id and m.rw_id = r.rw_id and m.role = 'resident' and m.rt_id = r.rt_id
       and (m.house_id is null or m.house_id = hh.house_id) and u.id = m.user_id and u.phone = r.phone;
  end if;
  get diagnostics linked = row_count;
  return linked;
end
$$;
revoke all on function app.link_by_phone(uuid[], uuid, uuid) from public;

-- The same for records the caller may write (an RT head's RT, the RW admin's RW).
create function app.link_residents_by_phone(p_resident_ids uuid[]) returns int
language plpgsql security definer set search_path = public, pg_temp
as $$
begin
  return app.link_by_phone(
    coalesce((select array_agg(r.id) from public.resident r
               where r.id = any (p_resident_ids) and r.rt_id in (select app.may_rts('registry.write'))), '{}'),
    null, null);
end
$$;
revoke all on function app.link_residents_by_phone(uuid[]) from public;
grant execute on function app.link_residents_by_phone(uuid[]) to authenticated;

-- ---------------------------------------------------------------------------
-- 2. Mutations. The static shape of a row as checks; the rules that need the
--    resident and their history in a trigger, which also applies the event.

alter table public.mutation
  add constraint mutation_from_household_fkey foreign key (rw_id, from_household_id) references public.household(rw_id, id),
  add constraint mutation_to_household_fkey foreign key (rw_id, to_household_id) references public.household(rw_id, id),
  -- A change of household leads from one KK to another.
  add constraint mutation_household_change check (
    kind <> 'changed_household' or (from_household_id is not null and to_household_id is not null and from_household_id <> to_household_id)),
  -- Only a change of household or an arrival names the KK it leads to.
  add constraint mutation_to_household_kind check (kind in ('changed_household', 'born', 'moved_in') or to_household_id is null),
  -- A document is one the app stored for this RW's mutations (storage/files.ts, newFileKey).
  add constraint mutation_document_path check (document_path is null or document_path like 'mutations/' || rw_id::text || '/%');

-- The rules of registry.ts (mutationProblem): nothing after a death; after moving out
-- only a return; an arrival (moved in, born) only as a person's first event; a birth
-- recorded within 60 days of it (UU 24/2013 art. 27); no event before the birth, after
-- today (WIB) or before the latest event. The row's RT and source household are the
-- resident's own, whatever the caller sent. The resident row stays locked until the
-- end of the transaction, so two events for one person are checked one after the other.
create function app.mutation_check() returns trigger
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
  select max(m.occurred_on) into last_on from public.mutation m where m.resident_id = new.resident_id;
  new.rt_id := r.rt_id;
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
revoke all on function app.mutation_check() from public;
create trigger mutation_check before insert on public.mutation
  for each row execute function app.mutation_check();

-- The event applied to the resident (registry.ts, statusAfter): moved out → moved,
-- died → died, a return → permanent; a change of household moves them to the new KK.
create function app.mutation_apply() returns trigger
language plpgsql security definer set search_path = public, pg_temp
as $$
begin
  update public.resident r
     set status = case new.kind
                    when 'moved_out' then 'moved'
                    when 'died' then 'died'
                    when 'moved_in' then case when r.status = 'moved' then 'permanent' else r.status end
                    else r.status end,
         household_id = case when new.kind = 'changed_household' then new.to_household_id else r.household_id end
   where r.id = new.resident_id;
  return null;
end
$$;
revoke all on function app.mutation_apply() from public;
create trigger mutation_apply after insert on public.mutation
  for each row execute function app.mutation_apply();

-- ---------------------------------------------------------------------------
-- 3. One head of family per KK among the people living there (one who moved away or
--    died no longer counts). The app checks it first with a field error; this is the
--    guard for every other way in.

do $$
declare
  n int;
begin
  select count(*) into n from (
    select household_id from public.resident
     where relation = 'kepala_keluarga' and status in ('permanent', 'temporary')
     group by household_id having count(*) > 1) d;
  if n > 0 then
    raise exception '% households have more than one head of family living there', n
      using hint = 'Correct their relation (registry edit form) with the previous version, then migrate again: '
        || 'select household_id from resident where relation = ''kepala_keluarga'' and status in (''permanent'', ''temporary'') '
        || 'group by household_id having count(*) > 1';
  end if;
end
$$;
create unique index resident_one_head_idx on public.resident (household_id)
  where relation = 'kepala_keluarga' and status in ('permanent', 'temporary');

-- ---------------------------------------------------------------------------
-- 4. Correction requests belong to their household's RT, and a handler only decides
--    them (status, who, when), never rewrites what the resident asked for.

create function app.correction_rt() returns trigger
language plpgsql security definer set search_path = public, pg_temp
as $$
begin
  select rt_id into new.rt_id from public.household where id = new.household_id and rw_id = new.rw_id;
  return new;
end
$$;
revoke all on function app.correction_rt() from public;
create trigger correction_rt before insert on public.correction_request
  for each row execute function app.correction_rt();

revoke update on public.correction_request from anon, authenticated;
grant update (status, handled_by, handled_at) on public.correction_request to authenticated;

-- Letter requests: the RT is the subject's (the RT head who decides is theirs), and a
-- status moves only along the flow of src/lib/domain/letters.ts, each step by the one it
-- is for: the requester submits or withdraws; the head of the request's RT approves,
-- returns or rejects a submitted request; the RW admin an RT-approved one, and issues
-- it only with its letter numbered. The server's own connection (no claims: seeds,
-- maintenance) is not a member and is not held to a member's steps.
create function app.letter_request_rt() returns trigger
language plpgsql security definer set search_path = public, pg_temp
as $$
begin
  -- A member's new request starts as a draft; the steps below take it further.
  if tg_op = 'INSERT' and new.status <> 'draft' and auth.uid() is not null then
    raise exception 'a new letter request starts as a draft' using errcode = '42501';
  end if;
  select rt_id into new.rt_id from public.resident where id = new.subject_resident_id and rw_id = new.rw_id;
  return new;
end
$$;
revoke all on function app.letter_request_rt() from public;
create trigger letter_request_rt before insert or update of subject_resident_id on public.letter_request
  for each row execute function app.letter_request_rt();

create function app.letter_request_step() returns trigger
language plpgsql security definer set search_path = public, pg_temp
as $$
declare
  allowed boolean;
begin
  if auth.uid() is null then return new; end if;
  allowed := case new.status
    when 'submitted' then old.status in ('draft', 'returned') and old.requester_id = auth.uid()
    when 'withdrawn' then old.status in ('draft', 'submitted', 'returned', 'rt_approved') and old.requester_id = auth.uid()
    when 'rt_approved' then old.status = 'submitted' and app.may('letters.review_rt', old.rw_id, old.rt_id)
    when 'returned' then (old.status = 'submitted' and app.may('letters.review_rt', old.rw_id, old.rt_id))
                      or (old.status = 'rt_approved' and app.may('letters.review_rw', old.rw_id, old.rt_id))
    when 'rejected' then (old.status = 'submitted' and app.may('letters.review_rt', old.rw_id, old.rt_id))
                      or (old.status = 'rt_approved' and app.may('letters.review_rw', old.rw_id, old.rt_id))
    when 'issued' then old.status = 'rt_approved' and app.may('letters.review_rw', old.rw_id, old.rt_id)
                      and exists (select 1 from public.letter l where l.request_id = old.id)
    else false
  end;
  if not coalesce(allowed, false) then
    raise exception 'letter request % may not go from % to % by this user', old.id, old.status, new.status
      using errcode = '42501';
  end if;
  if new.status = 'returned' then
    new.returned_by_role := case old.status when 'submitted' then 'rt_head' else 'rw_admin' end;
  end if;
  return new;
end
$$;
revoke all on function app.letter_request_step() from public;
create trigger letter_request_step before update of status on public.letter_request
  for each row when (old.status is distinct from new.status) execute function app.letter_request_step();
