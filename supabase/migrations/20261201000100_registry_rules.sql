-- Registry rules: one house per block and number, and a change of
-- household counted and seen in both RTs it touches.

-- ---------------------------------------------------------------------------
-- Houses. The key `unique (rt_id, block, number)` compares exactly, while imports and
-- search compare in upper case, so `c7 21b` and `C7 21B` became two houses. The app
-- now stores block and number trimmed and in upper case (normalizeHouseCode); here the
-- houses that differ only by case or surrounding spaces are merged into the oldest one,
-- and a check keeps stored values in that form, which makes the existing key compare
-- the normalised values.

create temporary table house_merge as
  select id as old_id,
         first_value(id) over (partition by rt_id, upper(btrim(block)), upper(btrim(number)) order by created_at, id) as new_id
    from public.house;
delete from house_merge where old_id = new_id;

-- The oldest house keeps its own category and occupancy; a map point it lacks is taken
-- whole (latitude and longitude together) from its oldest duplicate that has one.
update public.house s
   set lat = d.lat, lng = d.lng
  from (select distinct on (m.new_id) m.new_id, h.lat, h.lng
          from house_merge m join public.house h on h.id = m.old_id
         where h.lat is not null and h.lng is not null
         order by m.new_id, h.created_at, h.id) d
 where s.id = d.new_id and s.lat is null and s.lng is null;

-- Every row pointing at a duplicate points at the house kept. Today that is
-- household.house_id, membership.house_id and invite.house_id; the foreign keys are
-- read from the catalogue so a table added later is not missed (a duplicate still
-- referenced would make the delete below fail rather than lose a row). Each of them
-- is (rw_id, house_id) → house (rw_id, id), and both houses are in the same RT, so
-- the same RW. Repointing a household relabels its residents (app.household_moved).
do $$
declare
  ref record;
begin
  for ref in
    select c.conrelid::regclass as tbl, a.attname as col
      from pg_constraint c
      cross join lateral unnest(c.conkey, c.confkey) as k(attnum, fattnum)
      join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum
      join pg_attribute fa on fa.attrelid = c.confrelid and fa.attnum = k.fattnum
     where c.contype = 'f' and c.confrelid = 'public.house'::regclass and fa.attname = 'id'
  loop
    execute format('update %s t set %I = m.new_id from house_merge m where t.%I = m.old_id', ref.tbl, ref.col, ref.col);
  end loop;
end
$$;

delete from public.house h using house_merge m where h.id = m.old_id;

-- The houses kept, in the stored form (app.house_relabelled relabels their residents).
update public.house
   set block = upper(btrim(block)), number = upper(btrim(number))
 where block <> upper(btrim(block)) or number <> upper(btrim(number));

drop table house_merge;

alter table public.house
  add constraint house_block_normalised check (block = upper(btrim(block))),
  add constraint house_number_normalised check (number = upper(btrim(number)));

-- ---------------------------------------------------------------------------
-- Mutations. A change of household into another RT is counted under both RTs (out of
-- the old, into the new) and seen by both RT heads: the row keeps the RT it leads to.
-- It is set from the target household by a trigger, not by the caller.

alter table public.mutation
  add column to_rt_id uuid,
  add constraint mutation_to_rt_fkey foreign key (rw_id, to_rt_id) references public.rt(rw_id, id),
  add constraint mutation_to_rt_kind check (to_rt_id is null or kind = 'changed_household');
create index mutation_to_rt_idx on public.mutation (to_rt_id) where to_rt_id is not null;

create function app.mutation_to_rt() returns trigger
language plpgsql security definer set search_path = public, pg_temp
as $$
begin
  if new.kind = 'changed_household' then
    select rt_id into new.to_rt_id from public.household where id = new.to_household_id and rw_id = new.rw_id;
  else
    new.to_rt_id := null;
  end if;
  return new;
end
$$;
revoke all on function app.mutation_to_rt() from public;
create trigger mutation_to_rt before insert on public.mutation
  for each row execute function app.mutation_to_rt();

-- Earlier changes of household: the RT their target household is in now.
update public.mutation m
   set to_rt_id = h.rt_id
  from public.household h
 where m.kind = 'changed_household' and h.id = m.to_household_id and h.rw_id = m.rw_id;

-- An RT head sees the mutations touching their RT (from it or into it); the RW admin
-- all of the RW. Writing one needs both RTs (an RT head heading both, or the admin),
-- and a resident the writer may see: an RT head cannot file an event about another
-- RT's resident under their own RT (the API reaches this table directly on Supabase).
drop policy mutation_read on public.mutation;
create policy mutation_read on public.mutation for select to authenticated using (
  rw_id in (select app.role_rw_ids(array['rw_admin']))
  or rt_id in (select app.head_rt_ids())
  or to_rt_id in (select app.head_rt_ids())
);
drop policy mutation_write on public.mutation;
create policy mutation_write on public.mutation for insert to authenticated with check (
  recorded_by = auth.uid()
  and (
    rw_id in (select app.role_rw_ids(array['rw_admin']))
    or (rt_id in (select app.head_rt_ids()) and (to_rt_id is null or to_rt_id in (select app.head_rt_ids())))
  )
  and exists (select 1 from public.resident r where r.id = resident_id and r.rw_id = mutation.rw_id)
);

-- The rules of a new event need the resident's whole history, also the part RLS hides
-- from an RT head (events from before their household's house moved into the RT). This
-- answers only the days of the first and the latest event and how many there are, for
-- a resident of an RW where the caller is RW admin or an RT head (the first bounds a
-- corrected birth date: resident-edit.ts).
create function app.mutation_history(p_resident uuid) returns table (first_on date, last_on date, events int)
language plpgsql stable security definer set search_path = public, pg_temp
as $$
begin
  return query
    select min(m.occurred_on), max(m.occurred_on), count(*)::int from public.mutation m
     where m.resident_id = p_resident
       and exists (select 1 from public.resident r where r.id = p_resident and r.rw_id = m.rw_id
                     and (r.rw_id in (select app.role_rw_ids(array['rw_admin'])) or r.rt_id in (select app.head_rt_ids())));
end
$$;
revoke all on function app.mutation_history(uuid) from public;
grant execute on function app.mutation_history(uuid) to authenticated;

-- ---------------------------------------------------------------------------
-- Correction requests: a NIK or KK number asked for is now kept only masked
-- (corrections.ts, correctionValue); mask the ones stored before in the same way.
update public.correction_request c
   set requested_value = case when length(d.digits) >= 16 then left(d.digits, 4) || '••••••••' || right(d.digits, 4)
                              else repeat('•', length(d.digits)) end
  from (select id, regexp_replace(requested_value, '[^0-9]', '', 'g') as digits from public.correction_request) d
 where c.id = d.id and c.field in ('nik', 'kk');
