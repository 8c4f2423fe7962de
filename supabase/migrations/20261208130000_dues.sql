-- Dues (iuran): tariffs per house category (and optionally per RT) with components and a
-- valid-from month; one invoice per house per month with its amount frozen; exemptions;
-- payments (cash, or a transfer/QRIS proof the treasurer verifies) allocated oldest-first
-- with credit carried; voids instead of deletes; expenses; rollups that the dashboards
-- read instead of scanning invoices (docs/dues.md). Money is whole rupiah (bigint), never
-- negative where it cannot be.

insert into app.permission (action, role, scope) values
  ('dues.manage', 'treasurer', 'rw'),
  ('dues.read', 'treasurer', 'rw'),
  ('dues.read', 'rw_admin', 'rw'),
  ('dues.read', 'rt_head', 'rt');
-- The monthly report, the pay instructions and the expenses are for every member of
-- the RW: membership, not a role (app.member_rw_ids()).

-- Per RW: when an invoice becomes overdue, how residents pay, the cash book's opening
-- balance, whether the public report names houses.
create table public.dues_settings (
  rw_id uuid primary key references public.rw(id) on delete cascade,
  overdue_day int not null default 10 check (overdue_day between 1 and 28),
  bank_name text not null default '' check (length(bank_name) <= 60),
  bank_account text not null default '' check (length(bank_account) <= 40),
  bank_holder text not null default '' check (length(bank_holder) <= 100),
  qris_file_key text,
  opening_balance bigint not null default 0,
  opening_month date not null default date '2026-01-01' check (extract(day from opening_month) = 1),
  report_names boolean not null default false,
  updated_at timestamptz not null default now()
);

-- Sum of a component list [{ "name": "keamanan", "amount": 50000 }, …]; null when any
-- amount is not a whole non-negative number, so the CHECK below refuses it.
create function app.dues_components_total(p jsonb) returns bigint
language sql immutable as $$
  select case
    when jsonb_typeof(p) <> 'array' or jsonb_array_length(p) = 0 then null
    when exists (select 1 from jsonb_array_elements(p) e
                  where jsonb_typeof(e->'amount') <> 'number' or (e->>'amount')::numeric < 0
                     or (e->>'amount')::numeric <> trunc((e->>'amount')::numeric)
                     or coalesce(length(e->>'name'), 0) not between 1 and 40) then null
    else (select sum((e->>'amount')::bigint) from jsonb_array_elements(p) e)
  end
$$;

-- A tariff is never edited: a new one with a later valid_from replaces it, so invoices
-- already issued (which copy it) never change.
create table public.dues_tariff (
  id uuid primary key default gen_random_uuid(),
  rw_id uuid not null references public.rw(id) on delete cascade,
  category text not null check (category in ('house', 'shop', 'empty_lot', 'boarding', 'public')),
  rt_id uuid,
  valid_from date not null check (extract(day from valid_from) = 1),
  components jsonb not null,
  total bigint not null check (total >= 0 and total = app.dues_components_total(components)),
  created_by uuid references public.app_user(id),
  created_at timestamptz not null default now(),
  foreign key (rw_id, rt_id) references public.rt(rw_id, id),
  unique nulls not distinct (rw_id, category, rt_id, valid_from)
);

create table public.dues_exemption (
  id uuid primary key default gen_random_uuid(),
  rw_id uuid not null references public.rw(id) on delete cascade,
  house_id uuid not null,
  from_month date not null check (extract(day from from_month) = 1),
  to_month date check (to_month is null or (extract(day from to_month) = 1 and to_month >= from_month)),
  reason text not null check (length(reason) between 1 and 300),
  created_by uuid references public.app_user(id),
  created_at timestamptz not null default now(),
  foreign key (rw_id, house_id) references public.house(rw_id, id)
);
create index dues_exemption_house_idx on public.dues_exemption (house_id);

create table public.dues_invoice (
  id uuid primary key default gen_random_uuid(),
  rw_id uuid not null references public.rw(id) on delete cascade,
  rt_id uuid not null,
  house_id uuid not null,
  month date not null check (extract(day from month) = 1),
  -- Frozen at generation: the tariff's components and total as they were.
  tariff_id uuid references public.dues_tariff(id),
  components jsonb not null,
  amount bigint not null check (amount >= 0 and amount = app.dues_components_total(components)),
  paid bigint not null default 0 check (paid >= 0 and paid <= amount),
  due_on date not null,
  created_at timestamptz not null default now(),
  foreign key (rw_id, house_id) references public.house(rw_id, id),
  unique (house_id, month),
  unique (rw_id, id)
);
create index dues_invoice_open_idx on public.dues_invoice (house_id, month) where paid < amount;
create index dues_invoice_rw_month_idx on public.dues_invoice (rw_id, month);

-- A resident's photo of a transfer or QRIS payment, waiting for the treasurer.
create table public.dues_proof (
  id uuid primary key default gen_random_uuid(),
  rw_id uuid not null references public.rw(id) on delete cascade,
  house_id uuid not null,
  submitted_by uuid not null references public.app_user(id),
  method text not null check (method in ('transfer', 'qris')),
  amount bigint not null check (amount > 0),
  months int not null check (months between 1 and 24),
  file_key text not null,
  content_sha256 text not null check (content_sha256 ~ '^[0-9a-f]{64}$'),
  status text not null default 'submitted' check (status in ('submitted', 'approved', 'rejected')),
  reason text check (reason is null or length(reason) between 1 and 300),
  decided_by uuid references public.app_user(id),
  decided_at timestamptz,
  submitted_at timestamptz not null default now(),
  foreign key (rw_id, house_id) references public.house(rw_id, id),
  -- The same photo twice is one payment sent twice, not two.
  unique (rw_id, content_sha256),
  check ((status = 'submitted') = (decided_at is null)),
  check (status <> 'rejected' or reason is not null)
);
create index dues_proof_queue_idx on public.dues_proof (rw_id, submitted_at) where status = 'submitted';

-- Receipt numbers: one register per RW and year, never repeating.
create table public.dues_receipt_register (
  rw_id uuid not null references public.rw(id) on delete cascade,
  year int not null check (year between 2000 and 2999),
  last_seq int not null check (last_seq > 0),
  primary key (rw_id, year)
);

create table public.dues_payment (
  id uuid primary key default gen_random_uuid(),
  rw_id uuid not null references public.rw(id) on delete cascade,
  house_id uuid not null,
  method text not null check (method in ('cash', 'transfer', 'qris')),
  amount bigint not null check (amount > 0),
  -- The part not (yet) allocated to an invoice: the house's credit.
  unallocated bigint not null check (unallocated >= 0 and unallocated <= amount),
  received_on date not null,
  receipt_number text not null,
  verify_token text not null unique check (verify_token ~ '^[A-Za-z0-9_-]{22,64}$'),
  proof_id uuid unique references public.dues_proof(id),
  recorded_by uuid not null references public.app_user(id),
  recorded_at timestamptz not null default now(),
  voided_at timestamptz,
  voided_by uuid references public.app_user(id),
  void_reason text check (void_reason is null or length(void_reason) between 1 and 300),
  foreign key (rw_id, house_id) references public.house(rw_id, id),
  unique (rw_id, receipt_number),
  check ((voided_at is null) = (voided_by is null) and (voided_at is null) = (void_reason is null)),
  check (voided_at is null or unallocated = 0),
  check ((method = 'cash') = (proof_id is null))
);
create index dues_payment_house_idx on public.dues_payment (house_id, received_on);
create index dues_payment_rw_idx on public.dues_payment (rw_id, received_on);

create table public.dues_allocation (
  id uuid primary key default gen_random_uuid(),
  rw_id uuid not null references public.rw(id) on delete cascade,
  payment_id uuid not null references public.dues_payment(id),
  invoice_id uuid not null references public.dues_invoice(id),
  amount bigint not null check (amount > 0),
  at timestamptz not null default now(),
  reversed_at timestamptz
);
create index dues_allocation_payment_idx on public.dues_allocation (payment_id);
create index dues_allocation_invoice_idx on public.dues_allocation (invoice_id);

create table public.dues_expense (
  id uuid primary key default gen_random_uuid(),
  rw_id uuid not null references public.rw(id) on delete cascade,
  category text not null check (category in ('security', 'cleaning', 'pump', 'repair', 'event', 'admin', 'other')),
  amount bigint not null check (amount > 0),
  spent_on date not null,
  description text not null check (length(description) between 1 and 300),
  photo_key text,
  recorded_by uuid not null references public.app_user(id),
  recorded_at timestamptz not null default now(),
  voided_at timestamptz,
  voided_by uuid references public.app_user(id),
  void_reason text check (void_reason is null or length(void_reason) between 1 and 300),
  check ((voided_at is null) = (voided_by is null) and (voided_at is null) = (void_reason is null))
);
create index dues_expense_rw_idx on public.dues_expense (rw_id, spent_on);

-- Reminders sent to a house's residents (at most one a week per house).
create table public.dues_reminder (
  id uuid primary key default gen_random_uuid(),
  rw_id uuid not null references public.rw(id) on delete cascade,
  house_id uuid not null,
  sent_at timestamptz not null,
  sent_by uuid not null references public.app_user(id),
  open_months int not null check (open_months > 0),
  foreign key (rw_id, house_id) references public.house(rw_id, id)
);
create index dues_reminder_house_idx on public.dues_reminder (house_id, sent_at desc);

-- ---------------------------------------------------------------------------
-- Rollups, kept on write by triggers (dashboards read these, not the invoices).

-- Per RT and invoice month: what was invoiced and collected.
create table public.dues_rollup (
  rw_id uuid not null references public.rw(id) on delete cascade,
  rt_id uuid not null,
  month date not null,
  invoiced bigint not null default 0 check (invoiced >= 0),
  collected bigint not null default 0 check (collected >= 0),
  invoices int not null default 0,
  paid_invoices int not null default 0,
  primary key (rw_id, month, rt_id)
);

-- Per invoice month and component: collected (the invoice's paid amount covers its
-- components in their listed order).
create table public.dues_component_rollup (
  rw_id uuid not null references public.rw(id) on delete cascade,
  month date not null,
  component text not null,
  invoiced bigint not null default 0,
  collected bigint not null default 0,
  primary key (rw_id, month, component)
);

-- Per house: what is open now, and the credit carried.
create table public.dues_house_status (
  house_id uuid primary key,
  rw_id uuid not null references public.rw(id) on delete cascade,
  rt_id uuid not null,
  open_amount bigint not null default 0 check (open_amount >= 0),
  open_months int not null default 0 check (open_months >= 0),
  oldest_open date,
  credit bigint not null default 0 check (credit >= 0),
  foreign key (rw_id, house_id) references public.house(rw_id, id)
);
create index dues_house_status_rw_idx on public.dues_house_status (rw_id, open_months desc);

-- Per month of the cash book: money in (payments received) and out (expenses).
create table public.dues_cash_month (
  rw_id uuid not null references public.rw(id) on delete cascade,
  month date not null,
  income bigint not null default 0,
  expense bigint not null default 0,
  primary key (rw_id, month)
);

-- How much of each component `paid` covers.
create function app.dues_component_cover(p_components jsonb, p_paid bigint)
returns table (component text, invoiced bigint, covered bigint)
language sql immutable as $$
  select c.e->>'name', (c.e->>'amount')::bigint,
         least((c.e->>'amount')::bigint, greatest(0, p_paid - (c.run - (c.e->>'amount')::bigint)))::bigint
    from (select e, sum((e->>'amount')::bigint) over (order by n) as run
            from jsonb_array_elements(p_components) with ordinality as t(e, n)) c
$$;

create function app.dues_invoice_inserted() returns trigger
language plpgsql security definer set search_path = public, pg_temp
as $$
begin
  insert into dues_rollup as r (rw_id, rt_id, month, invoiced, collected, invoices, paid_invoices)
    select rw_id, rt_id, month, sum(amount), sum(paid), count(*), count(*) filter (where paid = amount)
      from new_rows group by rw_id, rt_id, month
  on conflict (rw_id, month, rt_id) do update set invoiced = r.invoiced + excluded.invoiced,
    collected = r.collected + excluded.collected, invoices = r.invoices + excluded.invoices,
    paid_invoices = r.paid_invoices + excluded.paid_invoices;
  insert into dues_component_rollup as r (rw_id, month, component, invoiced, collected)
    select n.rw_id, n.month, c.component, sum(c.invoiced), sum(c.covered)
      from new_rows n cross join lateral app.dues_component_cover(n.components, n.paid) c
     group by n.rw_id, n.month, c.component
  on conflict (rw_id, month, component) do update set invoiced = r.invoiced + excluded.invoiced,
    collected = r.collected + excluded.collected;
  insert into dues_house_status as s (house_id, rw_id, rt_id, open_amount, open_months, oldest_open)
    select house_id, rw_id, rt_id, sum(amount - paid), count(*) filter (where paid < amount),
           min(month) filter (where paid < amount)
      from new_rows group by house_id, rw_id, rt_id
  on conflict (house_id) do update set open_amount = s.open_amount + excluded.open_amount,
    open_months = s.open_months + excluded.open_months,
    oldest_open = least(s.oldest_open, excluded.oldest_open);
  return null;
end
$$;
create trigger dues_invoice_inserted after insert on public.dues_invoice
  referencing new table as new_rows for each statement execute function app.dues_invoice_inserted();

create function app.dues_invoice_paid() returns trigger
language plpgsql security definer set search_path = public, pg_temp
as $$
begin
  if new.paid = old.paid then return null; end if;
  update dues_rollup set collected = collected + new.paid - old.paid,
    paid_invoices = paid_invoices + (new.paid = new.amount)::int - (old.paid = old.amount)::int
   where rw_id = new.rw_id and month = new.month and rt_id = new.rt_id;
  update dues_component_rollup r set collected = r.collected + n.covered - o.covered
    from app.dues_component_cover(new.components, new.paid) n
    join app.dues_component_cover(old.components, old.paid) o on o.component = n.component
   where r.rw_id = new.rw_id and r.month = new.month and r.component = n.component;
  update dues_house_status set open_amount = open_amount - (new.paid - old.paid),
    open_months = open_months + (old.paid = old.amount)::int - (new.paid = new.amount)::int,
    oldest_open = (select min(i.month) from dues_invoice i where i.house_id = new.house_id and i.paid < i.amount)
   where house_id = new.house_id;
  return null;
end
$$;
create trigger dues_invoice_paid after update of paid on public.dues_invoice
  for each row execute function app.dues_invoice_paid();

-- Cash book months: a payment counts in its received month, an expense in its month;
-- a void takes it out again.
create function app.dues_cash_add(p_rw uuid, p_day date, p_income bigint, p_expense bigint) returns void
language sql security definer set search_path = public, pg_temp as $$
  insert into dues_cash_month as c (rw_id, month, income, expense)
    values (p_rw, date_trunc('month', p_day)::date, p_income, p_expense)
  on conflict (rw_id, month) do update set income = c.income + excluded.income, expense = c.expense + excluded.expense
$$;
create function app.dues_payment_cash() returns trigger
language plpgsql security definer set search_path = public, pg_temp
as $$
begin
  if tg_op = 'INSERT' then perform app.dues_cash_add(new.rw_id, new.received_on, new.amount, 0);
  elsif old.voided_at is null and new.voided_at is not null then perform app.dues_cash_add(old.rw_id, old.received_on, -old.amount, 0);
  end if;
  return null;
end
$$;
create function app.dues_expense_cash() returns trigger
language plpgsql security definer set search_path = public, pg_temp
as $$
begin
  if tg_op = 'INSERT' then perform app.dues_cash_add(new.rw_id, new.spent_on, 0, new.amount);
  elsif old.voided_at is null and new.voided_at is not null then perform app.dues_cash_add(old.rw_id, old.spent_on, 0, -old.amount);
  end if;
  return null;
end
$$;
create trigger dues_payment_cash after insert or update of voided_at on public.dues_payment
  for each row execute function app.dues_payment_cash();
create trigger dues_expense_cash after insert or update of voided_at on public.dues_expense
  for each row execute function app.dues_expense_cash();

-- What the public verification page may show of a receipt: nothing else.
create function app.verify_receipt(p_token text)
returns table (receipt_number text, amount bigint, received_on date, method text, house_label text,
  months text, voided_at timestamptz, void_reason text, rw_name text)
language plpgsql stable security definer set search_path = public, pg_temp
as $$
begin
  return query
    select p.receipt_number, p.amount, p.received_on, p.method,
           trim(both ' ' from h.block || ' ' || h.number),
           coalesce((select string_agg(to_char(i.month, 'YYYY-MM'), ', ' order by i.month)
                       from dues_allocation a join dues_invoice i on i.id = a.invoice_id
                      where a.payment_id = p.id), ''),
           p.voided_at, p.void_reason, rw.name
      from dues_payment p join house h on h.id = p.house_id join rw on rw.id = p.rw_id
     where p.verify_token = p_token;
end
$$;
revoke all on function app.verify_receipt(text) from public;
grant execute on function app.verify_receipt(text) to anon, authenticated;
revoke all on function app.dues_invoice_inserted(), app.dues_invoice_paid(), app.dues_payment_cash(), app.dues_expense_cash(),
  app.dues_cash_add(uuid, date, bigint, bigint) from public;

-- Who to tell: the residents of a house (for the treasurer, who does not read
-- memberships), and the treasurers of an RW (for a resident who sent a proof).
create function app.dues_house_user_ids(p_house uuid) returns setof uuid
language plpgsql stable security definer set search_path = public, pg_temp
as $$
begin
  return query select m.user_id from public.membership m
    where m.house_id = p_house and m.role = 'resident'
      and (m.rw_id in (select app.may_rws('dues.manage')) or p_house in (select app.my_house_ids()));
end
$$;
create function app.dues_treasurer_ids(p_rw uuid) returns setof uuid
language plpgsql stable security definer set search_path = public, pg_temp
as $$
begin
  return query select m.user_id from public.membership m
    where m.rw_id = p_rw and m.role = 'treasurer' and p_rw in (select app.member_rw_ids());
end
$$;
-- The houses behind by name, for the members' report, only when the RW turned names on.
create function app.dues_behind_names(p_rw uuid) returns table (house text, months int)
language plpgsql stable security definer set search_path = public, pg_temp
as $$
begin
  return query
    select 'RT ' || lpad(rt.number::text, 3, '0') || ' · ' || trim(both ' ' from h.block || ' ' || h.number), s.open_months
      from dues_house_status s join house h on h.id = s.house_id join rt on rt.id = s.rt_id
     where s.rw_id = p_rw and s.open_months > 0
       and p_rw in (select app.member_rw_ids())
       and exists (select 1 from dues_settings d where d.rw_id = p_rw and d.report_names)
     order by s.open_months desc, rt.number, h.block, h.number;
end
$$;
revoke all on function app.dues_house_user_ids(uuid), app.dues_treasurer_ids(uuid), app.dues_behind_names(uuid) from public;
grant execute on function app.dues_house_user_ids(uuid), app.dues_treasurer_ids(uuid), app.dues_behind_names(uuid) to authenticated;

-- ---------------------------------------------------------------------------
-- Row Level Security.

alter table public.dues_settings enable row level security;
alter table public.dues_tariff enable row level security;
alter table public.dues_exemption enable row level security;
alter table public.dues_invoice enable row level security;
alter table public.dues_proof enable row level security;
alter table public.dues_receipt_register enable row level security;
alter table public.dues_payment enable row level security;
alter table public.dues_allocation enable row level security;
alter table public.dues_expense enable row level security;
alter table public.dues_rollup enable row level security;
alter table public.dues_component_rollup enable row level security;
alter table public.dues_house_status enable row level security;
alter table public.dues_cash_month enable row level security;
alter table public.dues_reminder enable row level security;

revoke all on public.dues_settings, public.dues_tariff, public.dues_exemption, public.dues_invoice, public.dues_proof,
  public.dues_receipt_register, public.dues_payment, public.dues_allocation, public.dues_expense, public.dues_rollup,
  public.dues_component_rollup, public.dues_house_status, public.dues_cash_month, public.dues_reminder from anon, authenticated;
grant select on public.dues_settings, public.dues_tariff, public.dues_exemption, public.dues_invoice, public.dues_proof,
  public.dues_payment, public.dues_allocation, public.dues_expense, public.dues_rollup, public.dues_component_rollup,
  public.dues_house_status, public.dues_cash_month to authenticated;
grant insert, update on public.dues_settings to authenticated;
grant insert on public.dues_tariff, public.dues_exemption, public.dues_invoice, public.dues_allocation to authenticated;
grant update (to_month) on public.dues_exemption to authenticated;
grant update (paid) on public.dues_invoice to authenticated;
grant insert (rw_id, house_id, submitted_by, method, amount, months, file_key, content_sha256) on public.dues_proof to authenticated;
grant update (status, reason, decided_by, decided_at) on public.dues_proof to authenticated;
grant select, insert, update on public.dues_receipt_register to authenticated;
grant insert on public.dues_payment to authenticated;
grant update (unallocated, voided_at, voided_by, void_reason) on public.dues_payment to authenticated;
grant update (reversed_at) on public.dues_allocation to authenticated;
grant insert on public.dues_expense to authenticated;
grant select, insert on public.dues_reminder to authenticated;
grant update (voided_at, voided_by, void_reason) on public.dues_expense to authenticated;
grant insert (house_id, rw_id, rt_id), update (credit) on public.dues_house_status to authenticated;

-- Settings (bank account, QRIS) are the RW's pay instructions: every member reads them.
create policy dues_settings_read on public.dues_settings for select to authenticated
  using (rw_id in (select app.member_rw_ids()));
create policy dues_settings_insert on public.dues_settings for insert to authenticated
  with check (rw_id in (select app.may_rws('dues.manage')));
create policy dues_settings_update on public.dues_settings for update to authenticated
  using (rw_id in (select app.may_rws('dues.manage'))) with check (rw_id in (select app.may_rws('dues.manage')));

create policy dues_tariff_read on public.dues_tariff for select to authenticated
  using (rw_id in (select app.member_rw_ids()));
create policy dues_tariff_insert on public.dues_tariff for insert to authenticated
  with check (rw_id in (select app.may_rws('dues.manage')));

create policy dues_exemption_read on public.dues_exemption for select to authenticated
  using (rw_id in (select app.may_rws('dues.read')) or house_id in (select app.my_house_ids()));
create policy dues_exemption_write on public.dues_exemption for insert to authenticated
  with check (rw_id in (select app.may_rws('dues.manage')));
create policy dues_exemption_update on public.dues_exemption for update to authenticated
  using (rw_id in (select app.may_rws('dues.manage'))) with check (rw_id in (select app.may_rws('dues.manage')));

-- Invoices: the treasurer and RW admin see all, an RT head their RT, a resident their house.
create policy dues_invoice_read on public.dues_invoice for select to authenticated
  using (rt_id in (select app.may_rts('dues.read')) or house_id in (select app.my_house_ids()));
create policy dues_invoice_insert on public.dues_invoice for insert to authenticated
  with check (rw_id in (select app.may_rws('dues.manage')));
create policy dues_invoice_update on public.dues_invoice for update to authenticated
  using (rw_id in (select app.may_rws('dues.manage'))) with check (rw_id in (select app.may_rws('dues.manage')));

create policy dues_proof_read on public.dues_proof for select to authenticated
  using (rw_id in (select app.may_rws('dues.manage')) or house_id in (select app.my_house_ids()));
create policy dues_proof_insert on public.dues_proof for insert to authenticated
  with check (submitted_by = auth.uid() and house_id in (select app.my_house_ids())
    and rw_id = (select h.rw_id from public.house h where h.id = house_id));
create policy dues_proof_decide on public.dues_proof for update to authenticated
  using (rw_id in (select app.may_rws('dues.manage')) and status = 'submitted')
  with check (rw_id in (select app.may_rws('dues.manage')) and decided_by = auth.uid());

create policy dues_receipt_register_rw on public.dues_receipt_register for all to authenticated
  using (rw_id in (select app.may_rws('dues.manage'))) with check (rw_id in (select app.may_rws('dues.manage')));

create policy dues_payment_read on public.dues_payment for select to authenticated
  using (rw_id in (select app.may_rws('dues.read')) or house_id in (select app.my_house_ids()));
create policy dues_payment_insert on public.dues_payment for insert to authenticated
  with check (rw_id in (select app.may_rws('dues.manage')) and recorded_by = auth.uid());
create policy dues_payment_update on public.dues_payment for update to authenticated
  using (rw_id in (select app.may_rws('dues.manage'))) with check (rw_id in (select app.may_rws('dues.manage')));

create policy dues_allocation_read on public.dues_allocation for select to authenticated
  using (rw_id in (select app.may_rws('dues.read'))
    or payment_id in (select p.id from public.dues_payment p where p.house_id in (select app.my_house_ids())));
create policy dues_allocation_insert on public.dues_allocation for insert to authenticated
  with check (rw_id in (select app.may_rws('dues.manage')));
create policy dues_allocation_update on public.dues_allocation for update to authenticated
  using (rw_id in (select app.may_rws('dues.manage'))) with check (rw_id in (select app.may_rws('dues.manage')));

-- Expenses and the cash book are part of the report every member sees.
create policy dues_expense_read on public.dues_expense for select to authenticated
  using (rw_id in (select app.member_rw_ids()));
create policy dues_expense_insert on public.dues_expense for insert to authenticated
  with check (rw_id in (select app.may_rws('dues.manage')) and recorded_by = auth.uid());
create policy dues_expense_update on public.dues_expense for update to authenticated
  using (rw_id in (select app.may_rws('dues.manage'))) with check (rw_id in (select app.may_rws('dues.manage')));

create policy dues_rollup_read on public.dues_rollup for select to authenticated
  using (rw_id in (select app.member_rw_ids()));
create policy dues_component_rollup_read on public.dues_component_rollup for select to authenticated
  using (rw_id in (select app.member_rw_ids()));
create policy dues_cash_month_read on public.dues_cash_month for select to authenticated
  using (rw_id in (select app.member_rw_ids()));
create policy dues_house_status_read on public.dues_house_status for select to authenticated
  using (rt_id in (select app.may_rts('dues.read')) or house_id in (select app.my_house_ids()));
create policy dues_house_status_update on public.dues_house_status for update to authenticated
  using (rw_id in (select app.may_rws('dues.manage'))) with check (rw_id in (select app.may_rws('dues.manage')));
create policy dues_house_status_insert on public.dues_house_status for insert to authenticated
  with check (rw_id in (select app.may_rws('dues.manage')));
create policy dues_reminder_read on public.dues_reminder for select to authenticated
  using (rw_id in (select app.may_rws('dues.manage')));
create policy dues_reminder_insert on public.dues_reminder for insert to authenticated
  with check (rw_id in (select app.may_rws('dues.manage')) and sent_by = auth.uid());
