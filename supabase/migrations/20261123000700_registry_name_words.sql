-- Name search at 10k+ residents under RLS, fast at 10k+ residents; replaces 000500.
--
-- The trigram index could not serve `lower(name) like '%siti%'` here: under RLS a LIKE
-- (not leakproof) may not become an index condition below the policy's quals, and on
-- PGlite (no autovacuum) a GIN index with fastupdate keeps every insert in its pending
-- list, which prices the index out anyway. Name search was a scan of every visible row.
--
-- Instead each resident's name is split into words, kept in a table ordered by
-- (rw, word, name). A search for "siti" is a range scan `word >= 'siti' and word <
-- 'siti' || U+10FFFF` (text comparisons are leakproof, so RLS keeps the index) that
-- yields rows already in page order: a page reads 26 entries, not every match.
drop function app.resident_ids_by_name(uuid, text);
drop index public.resident_name_trgm_idx;

create table public.resident_name_word (
  rw_id uuid not null,
  rt_id uuid not null,
  word text collate "C" not null,
  name text not null,
  resident_id uuid not null references public.resident(id) on delete cascade,
  primary key (rw_id, word, name, resident_id)
);
create index resident_name_word_resident_idx on public.resident_name_word (resident_id, word);

create function app.resident_name_words() returns trigger
language plpgsql security definer set search_path = public, pg_temp
as $$
begin
  delete from public.resident_name_word where resident_id = new.id;
  insert into public.resident_name_word (rw_id, rt_id, word, name, resident_id)
    select distinct new.rw_id, new.rt_id, w, new.name, new.id
      from regexp_split_to_table(lower(new.name), '[^[:alnum:]]+') as w
     where w <> '';
  return null;
end
$$;
create trigger resident_name_words after insert on public.resident
  for each row execute function app.resident_name_words();
-- Not `update of name, rt_id`: a move to another household changes rt_id in the
-- BEFORE trigger resident_rt, and column triggers see only the statement's SET list.
create trigger resident_name_words_changed after update on public.resident
  for each row when (old.name is distinct from new.name or old.rt_id is distinct from new.rt_id)
  execute function app.resident_name_words();

alter table public.resident_name_word enable row level security;
grant select on public.resident_name_word to authenticated;
-- Same visibility as resident_read for the roles that search (RW admin: the RW; RT head: their RT).
create policy resident_name_word_read on public.resident_name_word for select to authenticated using (
  rw_id in (select app.role_rw_ids(array['rw_admin'])) or rt_id in (select app.head_rt_ids())
);

insert into public.resident_name_word (rw_id, rt_id, word, name, resident_id)
  select distinct r.rw_id, r.rt_id, w, r.name, r.id
    from public.resident r, regexp_split_to_table(lower(r.name), '[^[:alnum:]]+') as w
   where w <> '';
