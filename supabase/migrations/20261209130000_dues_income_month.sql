-- Dues (iuran): the transparency report counts income when the money is received (the
-- payment's WIB day, `received_on`), not by the month of the invoice it pays
-- (docs/dues.md, "Transparency report"). Each allocation keeps which components it
-- paid (the slice of the invoice between its paid amount before and after), and a
-- rollup sums them per RW, month of receipt and component; a reversed allocation
-- (a voided payment) takes its slice out of that same month again. What a payment
-- kept as credit is the rest of the month's cash income (dues_cash_month) until it
-- is spent, and its allocation then counts in the month the payment was received.

alter table public.dues_allocation add column components jsonb
  check (components is null or jsonb_typeof(components) = 'array');

create table public.dues_income_month (
  rw_id uuid not null references public.rw(id) on delete cascade,
  month date not null check (extract(day from month) = 1),
  component text not null,
  amount bigint not null default 0 check (amount >= 0),
  primary key (rw_id, month, component)
);

-- Allocations written before this migration: each one's slice, filling the invoice in
-- the order the allocations were made (reversed ones no longer count anywhere).
with live as (
  select a.id, a.invoice_id, a.amount,
         coalesce(sum(a.amount) over (partition by a.invoice_id order by a.at, a.id rows between unbounded preceding and 1 preceding), 0)::bigint as before
    from public.dues_allocation a where a.reversed_at is null
), slices as (
  select l.id, jsonb_agg(jsonb_build_object('name', n.component, 'amount', n.covered - o.covered) order by n.component) as components
    from live l join public.dues_invoice i on i.id = l.invoice_id
    cross join lateral app.dues_component_cover(i.components, l.before + l.amount) n
    join lateral app.dues_component_cover(i.components, l.before) o on o.component = n.component
   group by l.id
)
update public.dues_allocation a set components = s.components from slices s where a.id = s.id;

insert into public.dues_income_month (rw_id, month, component, amount)
  select a.rw_id, date_trunc('month', p.received_on)::date, c->>'name', sum((c->>'amount')::bigint)
    from public.dues_allocation a join public.dues_payment p on p.id = a.payment_id
    cross join lateral jsonb_array_elements(a.components) c
   where a.reversed_at is null and a.components is not null
   group by 1, 2, 3
  having sum((c->>'amount')::bigint) > 0;

-- Set-based (statement triggers with transition tables): one payment's allocations, or
-- a benchmark history of 100,000, are one insert into the rollup.
create function app.dues_allocation_income() returns trigger
language plpgsql security definer set search_path = public, pg_temp
as $$
begin
  insert into dues_income_month as r (rw_id, month, component, amount)
    select n.rw_id, date_trunc('month', p.received_on)::date, c->>'name', sum((c->>'amount')::bigint)
      from new_rows n join dues_payment p on p.id = n.payment_id
      cross join lateral jsonb_array_elements(n.components) c
     where n.components is not null and n.reversed_at is null
     group by 1, 2, 3
    having sum((c->>'amount')::bigint) > 0
  on conflict (rw_id, month, component) do update set amount = r.amount + excluded.amount;
  return null;
end
$$;
create function app.dues_allocation_income_reversed() returns trigger
language plpgsql security definer set search_path = public, pg_temp
as $$
begin
  update dues_income_month r set amount = r.amount - t.amount
    from (select o.rw_id, date_trunc('month', p.received_on)::date as month, c->>'name' as component, sum((c->>'amount')::bigint) as amount
            from old_rows o join new_rows n on n.id = o.id join dues_payment p on p.id = o.payment_id
            cross join lateral jsonb_array_elements(o.components) c
           where o.reversed_at is null and n.reversed_at is not null and o.components is not null
           group by 1, 2, 3) t
   where r.rw_id = t.rw_id and r.month = t.month and r.component = t.component;
  return null;
end
$$;
create trigger dues_allocation_income_insert after insert on public.dues_allocation
  referencing new table as new_rows for each statement execute function app.dues_allocation_income();
-- (A column list cannot go with transition tables: every update, filtered on reversed_at inside.)
create trigger dues_allocation_income_reverse after update on public.dues_allocation
  referencing old table as old_rows new table as new_rows for each statement execute function app.dues_allocation_income_reversed();
revoke all on function app.dues_allocation_income(), app.dues_allocation_income_reversed() from public;

alter table public.dues_income_month enable row level security;
revoke all on public.dues_income_month from anon, authenticated;
grant select on public.dues_income_month to authenticated;
-- Part of the report every member of the RW reads.
create policy dues_income_month_read on public.dues_income_month for select to authenticated
  using (rw_id in (select app.member_rw_ids()));
