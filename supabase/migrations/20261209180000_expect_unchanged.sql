-- A guard for writes sent as one message (Database.batch, docs/architecture.md,
-- "The database"): the caller read rows, decided in the application, and now writes;
-- the first statements of the write check that what it read still holds (a request's
-- status, a register's last number) and call app.expect_unchanged with the check.
-- When it fails the whole write is rolled back with serialization_failure (40001):
-- the caller reads again and decides again, as it would after a serialisation failure.
create function app.expect_unchanged(p_ok boolean, p_what text) returns boolean
language plpgsql
as $$
begin
  if p_ok is not true then
    raise exception 'changed since it was read: %', p_what using errcode = '40001';
  end if;
  return true;
end
$$;
revoke all on function app.expect_unchanged(boolean, text) from public;
grant execute on function app.expect_unchanged(boolean, text) to authenticated;
