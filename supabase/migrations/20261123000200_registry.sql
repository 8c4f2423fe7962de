-- Population registry: households (KK), residents (NIK), mutations,
-- reveal log, correction requests. NIK and KK are stored encrypted by the app
-- (AES-256-GCM) with a keyed blind index for uniqueness; only masks and the last
-- four NIK digits are in clear (UU 27/2022).

create extension if not exists pg_trgm;

alter table public.house add column occupancy text not null default 'owner'
  check (occupancy in ('owner', 'rented', 'empty'));

create table public.household (
  id uuid primary key default gen_random_uuid(),
  rw_id uuid not null references public.rw(id) on delete cascade,
  rt_id uuid not null,
  house_id uuid not null,
  kk_enc text not null,
  kk_hash text not null,
  kk_masked text not null,
  address text not null default '' check (length(address) <= 300),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  foreign key (rw_id, rt_id) references public.rt(rw_id, id),
  foreign key (rw_id, house_id) references public.house(rw_id, id),
  unique (rw_id, kk_hash),
  unique (rw_id, id)
);
create index household_house_idx on public.household (house_id);
create index household_rt_idx on public.household (rw_id, rt_id);

create table public.resident (
  id uuid primary key default gen_random_uuid(),
  rw_id uuid not null references public.rw(id) on delete cascade,
  rt_id uuid not null,
  household_id uuid not null,
  nik_enc text not null,
  nik_hash text not null,
  nik_masked text not null,
  nik_last4 text not null check (nik_last4 ~ '^[0-9]{4}$'),
  name text not null check (length(name) between 1 and 100),
  birth_place text not null default '' check (length(birth_place) <= 60),
  birth_date date not null,
  sex text not null check (sex in ('L', 'P')),
  religion text check (religion in ('islam', 'kristen', 'katolik', 'hindu', 'buddha', 'konghucu', 'kepercayaan')),
  marital_status text check (marital_status in ('belum_kawin', 'kawin', 'cerai_hidup', 'cerai_mati')),
  relation text not null check (relation in ('kepala_keluarga', 'suami', 'istri', 'anak', 'menantu', 'cucu',
    'orang_tua', 'mertua', 'famili_lain', 'lainnya')),
  occupation text not null default '' check (length(occupation) <= 60),
  phone text check (phone ~ '^\+628[0-9]{7,12}$'),
  status text not null default 'permanent' check (status in ('permanent', 'temporary', 'moved', 'died')),
  user_id uuid references public.app_user(id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  foreign key (rw_id, rt_id) references public.rt(rw_id, id),
  foreign key (rw_id, household_id) references public.household(rw_id, id),
  unique (rw_id, nik_hash),
  unique (rw_id, id)
);
-- Lists are sorted by name within an RW or an RT; search by name (trigram) and by
-- the last four NIK digits (fast at 10k+ residents).
create index resident_rw_name_idx on public.resident (rw_id, name, id);
create index resident_rt_name_idx on public.resident (rt_id, name, id);
create index resident_last4_idx on public.resident (rw_id, nik_last4);
create index resident_name_trgm_idx on public.resident using gin (lower(name) gin_trgm_ops);
create index resident_household_idx on public.resident (household_id);
create index resident_user_idx on public.resident (user_id) where user_id is not null;

-- The RT of a household follows its house; a resident's follows their household.
create function app.household_rt() returns trigger
language plpgsql security definer set search_path = public, pg_temp
as $$
begin
  select rt_id into new.rt_id from public.house where id = new.house_id and rw_id = new.rw_id;
  new.updated_at := now();
  return new;
end
$$;
create trigger household_rt before insert or update of house_id on public.household
  for each row execute function app.household_rt();

create function app.resident_rt() returns trigger
language plpgsql security definer set search_path = public, pg_temp
as $$
begin
  select rt_id into new.rt_id from public.household where id = new.household_id and rw_id = new.rw_id;
  new.updated_at := now();
  return new;
end
$$;
create trigger resident_rt before insert or update on public.resident
  for each row execute function app.resident_rt();

create function app.household_moved() returns trigger
language plpgsql security definer set search_path = public, pg_temp
as $$
begin
  update public.resident set rt_id = new.rt_id where household_id = new.id and rt_id <> new.rt_id;
  return null;
end
$$;
create trigger household_moved after update of house_id on public.household
  for each row execute function app.household_moved();

create table public.mutation (
  id uuid primary key default gen_random_uuid(),
  rw_id uuid not null references public.rw(id) on delete cascade,
  rt_id uuid not null,
  resident_id uuid not null,
  kind text not null check (kind in ('moved_in', 'moved_out', 'born', 'died', 'changed_household')),
  occurred_on date not null,
  from_household_id uuid,
  to_household_id uuid,
  note text not null default '' check (length(note) <= 500),
  document_path text,
  recorded_by uuid not null references public.app_user(id),
  created_at timestamptz not null default now(),
  foreign key (rw_id, rt_id) references public.rt(rw_id, id),
  foreign key (rw_id, resident_id) references public.resident(rw_id, id)
);
create index mutation_rw_month_idx on public.mutation (rw_id, occurred_on);
create index mutation_resident_idx on public.mutation (resident_id);

-- Every reveal of a full NIK or KK: who, when, why (UU 27/2022 accountability).
create table public.pii_access_log (
  id bigint generated always as identity primary key,
  rw_id uuid not null references public.rw(id) on delete cascade,
  actor_id uuid not null references public.app_user(id),
  resident_id uuid,
  household_id uuid,
  field text not null check (field in ('nik', 'kk', 'export')),
  reason text not null check (length(reason) between 3 and 200),
  ip text not null default '',
  at timestamptz not null default now()
);
create index pii_access_rw_idx on public.pii_access_log (rw_id, at desc);

create table public.correction_request (
  id uuid primary key default gen_random_uuid(),
  rw_id uuid not null references public.rw(id) on delete cascade,
  rt_id uuid not null,
  household_id uuid not null,
  resident_id uuid,
  requested_by uuid not null references public.app_user(id),
  field text not null check (length(field) between 1 and 40),
  requested_value text not null check (length(requested_value) <= 200),
  note text not null default '' check (length(note) <= 500),
  status text not null default 'open' check (status in ('open', 'resolved', 'rejected')),
  handled_by uuid references public.app_user(id),
  handled_at timestamptz,
  created_at timestamptz not null default now(),
  foreign key (rw_id, household_id) references public.household(rw_id, id)
);
create index correction_rw_idx on public.correction_request (rw_id, status, created_at desc);

-- ---------------------------------------------------------------------------
-- Set-returning helper, evaluated once per query like app.role_rw_ids().

create function app.my_household_ids() returns setof uuid
language plpgsql stable security definer set search_path = public, pg_temp
as $$ begin return query select household_id from public.resident where user_id = auth.uid(); end $$;

-- A resident may see the house of their own household (it can differ from the
-- house their invite named, e.g. after moving within the RW).
create function app.my_household_house_ids() returns setof uuid
language plpgsql stable security definer set search_path = public, pg_temp
as $$ begin return query select h.house_id from public.household h where h.id in (select household_id from public.resident where user_id = auth.uid()); end $$;

revoke all on function app.my_household_ids(), app.my_household_house_ids() from public;
grant execute on function app.my_household_ids(), app.my_household_house_ids() to authenticated;

drop policy house_read on public.house;
create policy house_read on public.house for select to authenticated using (
  rw_id in (select app.role_rw_ids(array['rw_admin', 'treasurer', 'security_officer']))
  or rt_id in (select app.head_rt_ids())
  or id in (select app.my_house_ids())
  or id in (select app.my_household_house_ids())
);

alter table public.household enable row level security;
alter table public.resident enable row level security;
alter table public.mutation enable row level security;
alter table public.pii_access_log enable row level security;
alter table public.correction_request enable row level security;

grant select, insert, update on public.household, public.resident to authenticated;
grant select, insert on public.mutation, public.pii_access_log to authenticated;
grant select, insert, update on public.correction_request to authenticated;

-- Who may see the registry: the RW admin (whole RW), the RT head (their RT), and
-- a resident (their own household). Treasurer and security do not need NIKs.
create policy household_read on public.household for select to authenticated using (
  rw_id in (select app.role_rw_ids(array['rw_admin']))
  or rt_id in (select app.head_rt_ids())
  or id in (select app.my_household_ids())
);
create policy household_write on public.household for insert to authenticated with check (
  rw_id in (select app.role_rw_ids(array['rw_admin'])) or rt_id in (select app.head_rt_ids())
);
create policy household_update on public.household for update to authenticated
  using (rw_id in (select app.role_rw_ids(array['rw_admin'])) or rt_id in (select app.head_rt_ids()))
  with check (rw_id in (select app.role_rw_ids(array['rw_admin'])) or rt_id in (select app.head_rt_ids()));

create policy resident_read on public.resident for select to authenticated using (
  rw_id in (select app.role_rw_ids(array['rw_admin']))
  or rt_id in (select app.head_rt_ids())
  or household_id in (select app.my_household_ids())
);
create policy resident_write on public.resident for insert to authenticated with check (
  rw_id in (select app.role_rw_ids(array['rw_admin'])) or rt_id in (select app.head_rt_ids())
);
create policy resident_update on public.resident for update to authenticated
  using (rw_id in (select app.role_rw_ids(array['rw_admin'])) or rt_id in (select app.head_rt_ids()))
  with check (rw_id in (select app.role_rw_ids(array['rw_admin'])) or rt_id in (select app.head_rt_ids()));

create policy mutation_read on public.mutation for select to authenticated using (
  rw_id in (select app.role_rw_ids(array['rw_admin'])) or rt_id in (select app.head_rt_ids())
);
create policy mutation_write on public.mutation for insert to authenticated with check (
  recorded_by = auth.uid()
  and (rw_id in (select app.role_rw_ids(array['rw_admin'])) or rt_id in (select app.head_rt_ids()))
);

create policy pii_log_read on public.pii_access_log for select to authenticated
  using (rw_id in (select app.role_rw_ids(array['rw_admin'])));
create policy pii_log_write on public.pii_access_log for insert to authenticated
  with check (actor_id = auth.uid() and rw_id in (select app.member_rw_ids()));

create policy correction_read on public.correction_request for select to authenticated using (
  requested_by = auth.uid()
  or rw_id in (select app.role_rw_ids(array['rw_admin']))
  or rt_id in (select app.head_rt_ids())
);
create policy correction_write on public.correction_request for insert to authenticated with check (
  requested_by = auth.uid() and household_id in (select app.my_household_ids())
);
create policy correction_handle on public.correction_request for update to authenticated
  using (rw_id in (select app.role_rw_ids(array['rw_admin'])) or rt_id in (select app.head_rt_ids()))
  with check (rw_id in (select app.role_rw_ids(array['rw_admin'])) or rt_id in (select app.head_rt_ids()));

-- Import and form checks must see duplicates across RTs that RLS hides from an RT
-- head. These answer only "is this NIK/KK already registered in my RW, and at
-- which house" — never names or numbers — and only for an RW the caller belongs to.
create function app.registered_niks(p_rw uuid, p_hashes text[]) returns setof text
language sql stable security definer set search_path = public, pg_temp
as $$
  select nik_hash from public.resident
   where rw_id = p_rw and nik_hash = any (p_hashes) and p_rw in (select app.member_rw_ids())
$$;

create function app.registered_kks(p_rw uuid, p_hashes text[])
returns table (kk_hash text, household_id uuid, house_id uuid)
language sql stable security definer set search_path = public, pg_temp
as $$
  select kk_hash, id, house_id from public.household
   where rw_id = p_rw and kk_hash = any (p_hashes) and p_rw in (select app.member_rw_ids())
$$;

revoke all on function app.registered_niks(uuid, text[]), app.registered_kks(uuid, text[]) from public;
grant execute on function app.registered_niks(uuid, text[]), app.registered_kks(uuid, text[]) to authenticated;
