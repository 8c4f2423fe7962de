-- App instances keep verified sessions for a few seconds (SESSION_CACHE_SECONDS). A
-- logout, a changed or removed role, a disabled account must reach every instance at
-- once, not when its cache entry ends: every such change notifies the user's id on
-- the channel rukun_session_user, and each instance on PostgreSQL listens there and
-- forgets that user's cached sessions (src/lib/server/auth/session-changes.ts).
-- Triggers, not the services, so a change made by any path (a service, a migration,
-- SQL through the API) is announced. TG_ARGV[0] names the column holding the user id.
create function app.notify_session_change() returns trigger
language plpgsql security definer set search_path = public, pg_temp
as $$
begin
  if tg_op <> 'INSERT' then perform pg_notify('rukun_session_user', to_jsonb(old) ->> tg_argv[0]); end if;
  -- The same user twice in one transaction is delivered once.
  if tg_op <> 'DELETE' then perform pg_notify('rukun_session_user', to_jsonb(new) ->> tg_argv[0]); end if;
  return null;
end
$$;
revoke all on function app.notify_session_change() from public;

create trigger session_ended after delete on public.session
  for each row execute function app.notify_session_change('user_id');
create trigger membership_changed after insert or update or delete on public.membership
  for each row execute function app.notify_session_change('user_id');
create trigger app_user_changed after update of name, phone, locale, disabled_at, password_hash on public.app_user
  for each row execute function app.notify_session_change('id');
