-- Dues (iuran): every change of an RW's dues version is announced on the channel
-- rukun_dues_version as '<rw_id> <version>' ('<rw_id>' alone when the row goes), so an
-- app on PGlite knows the version without asking on every request (docs/dues.md,
-- "Cached views"). A row trigger on dues_version itself: whatever path changes the
-- version (the bump triggers of 20261211130000_dues_version.sql, SQL by hand), the
-- change is announced, in the same transaction, and only if it commits.
--
-- Only when the writing session itself listens on the channel. On PGlite that is the
-- app's one session, which listens from its start (src/lib/server/dues/versions.ts). On
-- PostgreSQL no app session listens there (its instances ask for the version on every
-- request), and a NOTIFY would make every money write's commit take the database-wide
-- lock that serialises notifying commits, for nobody.

create function app.dues_version_notify() returns trigger
language plpgsql security definer set search_path = public, pg_temp
as $$
begin
  if 'rukun_dues_version' = any (array(select pg_listening_channels())) then
    if tg_op = 'DELETE' then
      perform pg_notify('rukun_dues_version', old.rw_id::text);
    else
      perform pg_notify('rukun_dues_version', new.rw_id::text || ' ' || new.version::text);
    end if;
  end if;
  return null;
end
$$;
revoke all on function app.dues_version_notify() from public;

create trigger dues_version_notify after insert or update or delete on public.dues_version
  for each row execute function app.dues_version_notify();
