-- Dues (iuran): a version per RW, bumped in the same transaction as every write that
-- changes what the dues pages show (docs/dues.md, "Cached views"). The app keeps the
-- treasurer's dashboard, the monthly report and a resident's page computed once per
-- (RW, month or house, version) and checks the version on every request, so a view is
-- never older than the last committed write, whichever instance wrote it.
--
-- Statement triggers (one bump per statement and RW, whatever the rows), fired after
-- the rollup triggers of the same statement. Their transition tables give the RWs.

create table public.dues_version (
  rw_id uuid primary key references public.rw(id) on delete cascade,
  version bigint not null default 0
);

create function app.dues_version_bump() returns trigger
language plpgsql security definer set search_path = public, pg_temp
as $$
begin
  insert into dues_version as v (rw_id, version)
    select distinct rw_id, 1 from changed_rows
  on conflict (rw_id) do update set version = v.version + 1;
  return null;
end
$$;

-- Every money table the app writes, every write (rows are never deleted: voids are
-- updates). The rollups are written by these tables' own triggers, and the app changes a
-- house's credit only with a payment or an allocation, so they need none of their own.
-- Houses and RTs only when changed (the pages name them): a new house has no dues yet,
-- and an import of houses does not hold the RW's version row.
do $$
declare
  t text;
begin
  foreach t in array array['dues_settings', 'dues_tariff', 'dues_exemption', 'dues_invoice', 'dues_proof', 'dues_payment',
                           'dues_allocation', 'dues_expense'] loop
    execute format('create trigger %I after insert on public.%I referencing new table as changed_rows
                      for each statement execute function app.dues_version_bump()', t || '_zz_dues_version_insert', t);
  end loop;
  foreach t in array array['dues_settings', 'dues_tariff', 'dues_exemption', 'dues_invoice', 'dues_proof', 'dues_payment',
                           'dues_allocation', 'dues_expense', 'house', 'rt'] loop
    execute format('create trigger %I after update on public.%I referencing new table as changed_rows
                      for each statement execute function app.dues_version_bump()', t || '_zz_dues_version_update', t);
  end loop;
end
$$;

insert into public.dues_version (rw_id, version) select id, 1 from public.rw on conflict do nothing;

alter table public.dues_version enable row level security;
revoke all on public.dues_version from anon, authenticated;
grant select on public.dues_version to authenticated;
create policy dues_version_read on public.dues_version for select to authenticated
  using (rw_id in (select app.member_rw_ids()));

-- What a request reads before a kept view is served: the RW's version, as the user (RLS
-- above: members only), when the user passes the view's gate ('manager': may manage the
-- RW's dues; 'member'; 'resident': lives in p_house), else null. PL/pgSQL keeps its
-- plans per session, so each request pays no planning.
create function app.dues_stamp(p_rw uuid, p_gate text, p_house uuid) returns bigint
language plpgsql stable security invoker set search_path = public, pg_temp
as $$
declare
  v bigint;
begin
  select version into v from dues_version where rw_id = p_rw;
  if v is null then return null; end if;
  if p_gate = 'manager' and p_rw not in (select app.may_rws('dues.manage')) then return null; end if;
  if p_gate = 'resident' and (p_house is null or p_house not in (select app.my_house_ids())) then return null; end if;
  if p_gate not in ('manager', 'member', 'resident') then return null; end if;
  return v;
end
$$;
revoke all on function app.dues_stamp(uuid, text, uuid) from public;
grant execute on function app.dues_stamp(uuid, text, uuid) to authenticated;
