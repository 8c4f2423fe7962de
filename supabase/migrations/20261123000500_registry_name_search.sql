-- Name search that can use the trigram index under RLS, fast at 10k+ residents.
--
-- 1. PGlite has no autovacuum, so a GIN index with fastupdate keeps every insert in its
--    pending list, and the planner (rightly) prices the index out: name search was a
--    scan of all residents. Without fastupdate inserts go straight into the index.
alter index public.resident_name_trgm_idx set (fastupdate = off);
select gin_clean_pending_list('public.resident_name_trgm_idx'::regclass);

-- 2. Under RLS a LIKE (not leakproof) may not become an index condition below the
--    policy's quals, so `lower(name) like '%siti%'` scanned every visible row. This
--    function finds the matching ids with the index and applies the same visibility
--    rule as resident_read (RW admin: the RW; RT head: their RT). The caller still
--    reads the rows through RLS (`id = any (…)` is leakproof and uses the key).
create function app.resident_ids_by_name(p_rw uuid, p_pattern text) returns setof uuid
language plpgsql stable security definer set search_path = public, pg_temp rows 200
as $$
begin
  return query
    select r.id from public.resident r
     where r.rw_id = p_rw and lower(r.name) like p_pattern
       and (r.rw_id in (select app.role_rw_ids(array['rw_admin'])) or r.rt_id in (select app.head_rt_ids()));
end
$$;
revoke all on function app.resident_ids_by_name(uuid, text) from public;
grant execute on function app.resident_ids_by_name(uuid, text) to authenticated;
