-- One round trip for a list page's read as the user on PostgreSQL (registry
-- pages at 10k residents). The app used to send BEGIN, the claims and role, the query
-- and COMMIT: three round trips and four statements per page. This function does
-- the same in one call:
--   1. sets the user's claims and the role `authenticated` for the rest of the
--      statement's transaction, so Row Level Security applies as before (and a
--      planner cost for in-memory data, below);
--   2. prepares the statement once per connection (PostgreSQL infers its parameter
--      types, as for a statement the driver prepares) and runs it with the values,
--      which the server itself quotes as literals (quote_nullable), so no value is
--      ever read as SQL;
--   3. returns its single text value (the page's rows as one JSON text).
-- The values appear in PostgreSQL's context line of an error inside it, so a server
-- log that records error context records them (the app drops that line from the
-- errors it logs). postgres.js retries a query once on a cached-plan error, also one
-- raised in here: harmless for a read.
-- SECURITY INVOKER: it never runs with more rights than its caller, and the role
-- switch lasts until the end of the caller's statement. Only the app's own role (the
-- owner) may call it.
create function app.read_as_user(claims text, statement text, args text[]) returns text
language plpgsql security invoker
as $$
declare
  stmt text := 'rukun_read_' || md5(statement);
  old text;
  result text;
begin
  perform set_config('request.jwt.claims', claims, true);
  perform set_config('role', 'authenticated', true);
  -- An RW's rows fit in memory many times over, so an index read in order costs
  -- little more than a sequential one; with the default 4.0 the planner filtered an
  -- RT's residents by bitmap and sorted them (0.45-0.50 ms) instead of walking the
  -- (rt_id, name, id) index in order (0.23-0.27 ms). For these reads only.
  perform set_config('random_page_cost', '1.1', true);
  if not exists (select 1 from pg_prepared_statements p where p.name = stmt) then
    -- Every page number of every filter is a statement of its own: keep at most the
    -- 100 most recently prepared on a connection (the driver's statements are left alone).
    if (select count(*) from pg_prepared_statements p where p.name like 'rukun\_read\_%') >= 100 then
      for old in
        select p.name from pg_prepared_statements p where p.name like 'rukun\_read\_%' order by p.prepare_time limit 20
      loop
        execute format('deallocate %I', old);
      end loop;
    end if;
    execute format('prepare %I as %s', stmt, statement);
  end if;
  execute format('execute %I%s', stmt,
    (select coalesce('(' || string_agg(quote_nullable(a), ', ' order by i) || ')', '')
       from unnest(args) with ordinality as u(a, i)))
    into result;
  return result;
end $$;

-- It can set any claims: never callable by the API roles (Supabase grants them
-- defaults), only by the app's own login role, which owns it.
revoke all on function app.read_as_user(text, text, text[]) from public;
revoke all on function app.read_as_user(text, text, text[]) from anon, authenticated, service_role;
