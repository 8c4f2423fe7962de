-- Tenancy, users, memberships, sessions, invites, audit log.
-- Every business row carries rw_id; RLS is enabled on every table in public.

create table public.rw (
  id uuid primary key default gen_random_uuid(),
  code text not null unique check (code ~ '^RW[0-9]{3}[A-Z0-9-]*$'),
  name text not null check (length(name) between 3 and 120),
  kelurahan text not null,
  kecamatan text not null default '',
  city text not null,
  timezone text not null default 'Asia/Jakarta',
  address text not null default '',
  lat double precision,
  lng double precision,
  created_at timestamptz not null default now()
);

create table public.rt (
  id uuid primary key default gen_random_uuid(),
  rw_id uuid not null references public.rw(id) on delete cascade,
  number int not null check (number between 1 and 999),
  name text not null,
  created_at timestamptz not null default now(),
  unique (rw_id, number),
  unique (rw_id, id)
);

create table public.house (
  id uuid primary key default gen_random_uuid(),
  rw_id uuid not null references public.rw(id) on delete cascade,
  rt_id uuid not null,
  block text not null default '' check (length(block) <= 20),
  number text not null check (length(number) between 1 and 20),
  category text not null default 'house' check (category in ('house', 'shop', 'empty_lot', 'boarding', 'public')),
  lat double precision check (lat between -90 and 90),
  lng double precision check (lng between -180 and 180),
  created_at timestamptz not null default now(),
  foreign key (rw_id, rt_id) references public.rt(rw_id, id),
  unique (rt_id, block, number),
  unique (rw_id, id)
);
create index house_rw_rt_idx on public.house (rw_id, rt_id);

create table public.app_user (
  id uuid primary key default gen_random_uuid(),
  phone text not null unique check (phone ~ '^\+628[0-9]{7,12}$'),
  name text not null check (length(name) between 1 and 100),
  password_hash text not null,
  locale text not null default 'id' check (locale in ('id', 'en')),
  disabled_at timestamptz,
  created_at timestamptz not null default now()
);

create table public.membership (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.app_user(id) on delete cascade,
  rw_id uuid not null references public.rw(id) on delete cascade,
  role text not null check (role in ('resident', 'rt_head', 'rw_admin', 'treasurer', 'security_officer')),
  rt_id uuid,
  house_id uuid,
  created_at timestamptz not null default now(),
  foreign key (rw_id, rt_id) references public.rt(rw_id, id),
  foreign key (rw_id, house_id) references public.house(rw_id, id),
  -- An RT head is head of one RT; a resident is bound to an RT (docs/domain.md, "People and roles").
  check (role not in ('rt_head', 'resident') or rt_id is not null),
  unique nulls not distinct (user_id, rw_id, role, rt_id)
);
create index membership_user_idx on public.membership (user_id);
create index membership_rw_idx on public.membership (rw_id, role);

create table public.session (
  id text primary key, -- sha256 of the cookie token; the token itself is never stored
  user_id uuid not null references public.app_user(id) on delete cascade,
  rw_id uuid references public.rw(id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  user_agent text not null default '',
  ip text not null default ''
);
create index session_user_idx on public.session (user_id);

create table public.invite (
  id uuid primary key default gen_random_uuid(),
  rw_id uuid not null references public.rw(id) on delete cascade,
  code_hash text not null unique,
  code_hint text not null, -- last characters, to tell invites apart in lists
  role text not null check (role in ('resident', 'rt_head', 'rw_admin', 'treasurer', 'security_officer')),
  rt_id uuid,
  house_id uuid,
  note text not null default '' check (length(note) <= 200),
  created_by uuid not null references public.app_user(id),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_by uuid references public.app_user(id),
  used_at timestamptz,
  revoked_at timestamptz,
  foreign key (rw_id, rt_id) references public.rt(rw_id, id),
  foreign key (rw_id, house_id) references public.house(rw_id, id),
  check (role not in ('rt_head', 'resident') or rt_id is not null)
);
create index invite_rw_idx on public.invite (rw_id, created_at desc);

create table public.password_reset (
  id uuid primary key default gen_random_uuid(),
  rw_id uuid not null references public.rw(id) on delete cascade,
  user_id uuid not null references public.app_user(id) on delete cascade,
  code_hash text not null,
  created_by uuid not null references public.app_user(id),
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz
);
create index password_reset_user_idx on public.password_reset (user_id, created_at desc);

create table public.audit_log (
  id bigint generated always as identity primary key,
  rw_id uuid references public.rw(id) on delete cascade,
  actor_id uuid references public.app_user(id) on delete set null,
  action text not null,
  target text not null default '',
  detail jsonb not null default '{}'::jsonb,
  ip text not null default '',
  at timestamptz not null default now()
);
create index audit_log_rw_idx on public.audit_log (rw_id, at desc);

-- Counters for rate limits (login, invite redemption, reset): shared by every app
-- instance because they live in the database, not in process memory (docs/architecture.md).
create table public.rate_limit (
  key text primary key,
  count int not null,
  window_ends_at timestamptz not null
);

-- ---------------------------------------------------------------------------
-- Helper functions for policies. SECURITY DEFINER so that a policy on
-- membership can ask about membership without recursing into its own policy.

create function app.member_rw_ids() returns setof uuid
language plpgsql stable security definer set search_path = public, pg_temp
as $$ begin return query select distinct rw_id from public.membership where user_id = auth.uid(); end $$;

create function app.head_rt_ids() returns setof uuid
language plpgsql stable security definer set search_path = public, pg_temp
as $$ begin return query select rt_id from public.membership where user_id = auth.uid() and role = 'rt_head'; end $$;

create function app.my_house_ids() returns setof uuid
language plpgsql stable security definer set search_path = public, pg_temp
as $$ begin return query select house_id from public.membership where user_id = auth.uid() and house_id is not null; end $$;

-- RWs where I hold one of the roles. Policies use the set-returning helpers as
-- `x in (select app.f())`, which Postgres evaluates once per query (an InitPlan),
-- not once per row: lists of thousands of rows stay fast. They are PL/pgSQL, not
-- SQL: a SQL function with SET options is re-planned on every call, while
-- PL/pgSQL keeps its plan for the session (measured on PGlite: ms per call).
create function app.role_rw_ids(p_roles text[]) returns setof uuid
language plpgsql stable security definer set search_path = public, pg_temp
as $$ begin return query select distinct rw_id from public.membership where user_id = auth.uid() and role = any (p_roles); end $$;

-- Users I may see: members of an RW I administer, members of an RT I head.
create function app.visible_user_ids() returns setof uuid
language plpgsql stable security definer set search_path = public, pg_temp
as $$ begin return query select m.user_id from public.membership m
   where m.rw_id in (select app.role_rw_ids(array['rw_admin']))
      or m.rt_id in (select app.head_rt_ids()); end $$;

revoke all on function app.member_rw_ids(), app.head_rt_ids(),
  app.my_house_ids(), app.role_rw_ids(text[]), app.visible_user_ids() from public;
grant execute on function app.member_rw_ids(), app.head_rt_ids(),
  app.my_house_ids(), app.role_rw_ids(text[]), app.visible_user_ids() to authenticated;

-- ---------------------------------------------------------------------------
-- Row Level Security on every table in public.

alter table public.rw enable row level security;
alter table public.rt enable row level security;
alter table public.house enable row level security;
alter table public.app_user enable row level security;
alter table public.membership enable row level security;
alter table public.session enable row level security;
alter table public.invite enable row level security;
alter table public.password_reset enable row level security;
alter table public.audit_log enable row level security;
alter table public.rate_limit enable row level security;

grant usage on schema public to anon, authenticated;
grant select on public.rw, public.rt to anon;
grant select, update on public.rw to authenticated;
grant select, insert, update on public.rt, public.house to authenticated;
grant select, update (name, locale) on public.app_user to authenticated;
grant select, insert, update, delete on public.membership to authenticated;
grant select, insert, update on public.invite to authenticated;
grant select, insert on public.password_reset to authenticated;
grant select, insert on public.audit_log to authenticated;
-- session and rate_limit: no grants; only the server's own connection touches them.

-- An RW's identity (name, kelurahan, city) is public: the landing page shows it.
create policy rw_read on public.rw for select to anon, authenticated using (true);
create policy rw_admin_update on public.rw for update to authenticated
  using (id in (select app.role_rw_ids(array['rw_admin']))) with check (id in (select app.role_rw_ids(array['rw_admin'])));

-- RT names and numbers are public too (landing page, join form).
create policy rt_read on public.rt for select to anon, authenticated using (true);
create policy rt_admin_write on public.rt for insert to authenticated
  with check (rw_id in (select app.role_rw_ids(array['rw_admin'])));
create policy rt_admin_update on public.rt for update to authenticated
  using (rw_id in (select app.role_rw_ids(array['rw_admin']))) with check (rw_id in (select app.role_rw_ids(array['rw_admin'])));

-- Houses: the RW's officers see all of their RW; an RT head sees their RT; a
-- resident sees their own house.
create policy house_read on public.house for select to authenticated using (
  rw_id in (select app.role_rw_ids(array['rw_admin', 'treasurer', 'security_officer']))
  or rt_id in (select app.head_rt_ids())
  or id in (select app.my_house_ids())
);
create policy house_insert on public.house for insert to authenticated with check (
  rw_id in (select app.role_rw_ids(array['rw_admin'])) or rt_id in (select app.head_rt_ids())
);
create policy house_update on public.house for update to authenticated
  using (rw_id in (select app.role_rw_ids(array['rw_admin'])) or rt_id in (select app.head_rt_ids()))
  with check (rw_id in (select app.role_rw_ids(array['rw_admin'])) or rt_id in (select app.head_rt_ids()));

create policy app_user_read on public.app_user for select to authenticated
  using (id = auth.uid() or id in (select app.visible_user_ids()));
create policy app_user_update_self on public.app_user for update to authenticated
  using (id = auth.uid()) with check (id = auth.uid());

create policy membership_read on public.membership for select to authenticated using (
  user_id = auth.uid()
  or rw_id in (select app.role_rw_ids(array['rw_admin']))
  or rt_id in (select app.head_rt_ids())
);
create policy membership_admin_write on public.membership for all to authenticated
  using (rw_id in (select app.role_rw_ids(array['rw_admin'])))
  with check (rw_id in (select app.role_rw_ids(array['rw_admin'])));

-- Invites: the RW admin may invite any role; an RT head only residents of their RT.
create policy invite_read on public.invite for select to authenticated using (
  rw_id in (select app.role_rw_ids(array['rw_admin'])) or (rt_id in (select app.head_rt_ids()) and role = 'resident')
);
create policy invite_insert on public.invite for insert to authenticated with check (
  created_by = auth.uid() and (
    rw_id in (select app.role_rw_ids(array['rw_admin']))
    or (role = 'resident' and rt_id in (select app.head_rt_ids()))
  )
);
create policy invite_revoke on public.invite for update to authenticated using (
  rw_id in (select app.role_rw_ids(array['rw_admin'])) or (rt_id in (select app.head_rt_ids()) and role = 'resident')
);

create policy password_reset_admin on public.password_reset for all to authenticated
  using (rw_id in (select app.role_rw_ids(array['rw_admin'])))
  with check (rw_id in (select app.role_rw_ids(array['rw_admin'])) and created_by = auth.uid());

create policy audit_read on public.audit_log for select to authenticated
  using (rw_id in (select app.role_rw_ids(array['rw_admin'])));
create policy audit_insert on public.audit_log for insert to authenticated
  with check (actor_id = auth.uid() and rw_id in (select app.member_rw_ids()));
