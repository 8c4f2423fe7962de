-- Complaints (pengaduan): a resident reports a problem with a photo and a pin; the RW
-- triages it through baru → diterima → dikerjakan → selesai, or closes it without a fix
-- (ditutup, with a reason); the reporter and supporters ("me too") follow it, the
-- reporter may reopen and rate it (docs/complaints.md).
--
-- Who reads what:
--   * the reporter reads their own complaints in full;
--   * staff (complaints.manage: RW admin for the RW, RT head for their RT) read and
--     manage every complaint of their reach, including private ones and the reporter;
--   * other residents read public, not hidden complaints of their RW only through the
--     view complaint_public, which carries no reporter and no personal data.

-- Categories are the RW's own (the RW admin edits them); each routes new reports to the
-- RT head of the complaint's RT or to the RW admins. Security problems are private by
-- default (a report of a break-in names a house).
create table public.complaint_category (
  id uuid primary key default gen_random_uuid(),
  rw_id uuid not null references public.rw(id) on delete cascade,
  code text not null check (code ~ '^[a-z_]{2,30}$'),
  name text not null check (length(name) between 1 and 60),
  route_to text not null default 'rt_head' check (route_to in ('rt_head', 'rw_admin')),
  private_by_default boolean not null default false,
  active boolean not null default true,
  sort smallint not null default 0,
  unique (rw_id, code),
  unique (rw_id, id)
);

create function app.seed_complaint_categories(p_rw uuid) returns void
language sql security definer set search_path = public, pg_temp
as $$
  insert into public.complaint_category (rw_id, code, name, route_to, private_by_default, sort) values
    (p_rw, 'drainage', 'Saluran air / got tersumbat', 'rt_head', false, 1),
    (p_rw, 'street_light', 'Lampu jalan mati', 'rw_admin', false, 2),
    (p_rw, 'rubbish', 'Sampah', 'rt_head', false, 3),
    (p_rw, 'road', 'Jalan / fasilitas rusak', 'rw_admin', false, 4),
    (p_rw, 'noise', 'Kebisingan / gangguan', 'rt_head', false, 5),
    (p_rw, 'security', 'Keamanan', 'rw_admin', true, 6),
    (p_rw, 'other', 'Lainnya', 'rt_head', false, 7)
  on conflict (rw_id, code) do nothing;
$$;
revoke all on function app.seed_complaint_categories(uuid) from public;

create function app.complaint_categories_for_new_rw() returns trigger
language plpgsql security definer set search_path = public, pg_temp
as $$ begin perform app.seed_complaint_categories(new.id); return new; end $$;
create trigger rw_complaint_categories after insert on public.rw
  for each row execute function app.complaint_categories_for_new_rw();
select app.seed_complaint_categories(id) from public.rw;

create table public.complaint (
  id uuid primary key default gen_random_uuid(),
  rw_id uuid not null references public.rw(id) on delete cascade,
  -- The RT the pin is in (nearest house), else the reporter's: whose RT head triages.
  rt_id uuid not null,
  category_id uuid not null,
  reporter_id uuid not null references public.app_user(id),
  title text not null check (length(title) between 3 and 120),
  description text not null check (length(description) between 1 and 2000),
  status text not null default 'baru' check (status in ('baru', 'diterima', 'dikerjakan', 'selesai', 'ditutup')),
  -- Closed without a fix: why, and where it went (not_ours: the outside office's link;
  -- duplicate: the complaint it repeats).
  closed_reason text check (closed_reason in ('not_ours', 'duplicate', 'invalid')),
  forward_url text check (forward_url is null or (forward_url ~ '^https?://[^\s]+$' and length(forward_url) <= 500)),
  duplicate_of uuid references public.complaint(id),
  is_public boolean not null,
  hidden boolean not null default false,
  lat double precision not null check (lat between -90 and 90),
  lng double precision not null check (lng between -180 and 180),
  supporter_count int not null default 0 check (supporter_count >= 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- When it last reached selesai or ditutup (the reopen window runs from here).
  finished_at timestamptz,
  rating smallint check (rating between 1 and 5),
  rating_comment text check (rating_comment is null or length(rating_comment) <= 500),
  rated_at timestamptz,
  foreign key (rw_id, rt_id) references public.rt(rw_id, id),
  foreign key (rw_id, category_id) references public.complaint_category(rw_id, id),
  unique (rw_id, id),
  check ((status = 'ditutup') = (closed_reason is not null)),
  check (closed_reason is distinct from 'not_ours' or forward_url is not null),
  check (closed_reason is distinct from 'duplicate' or duplicate_of is not null),
  check ((status in ('selesai', 'ditutup')) = (finished_at is not null)),
  check (rating is null or status = 'selesai')
);
create index complaint_rw_idx on public.complaint (rw_id, status, created_at desc);
create index complaint_reporter_idx on public.complaint (reporter_id, created_at desc);
create index complaint_place_idx on public.complaint (rw_id, category_id, lat, lng) where status in ('baru', 'diterima', 'dikerjakan');

create table public.complaint_photo (
  id uuid primary key default gen_random_uuid(),
  rw_id uuid not null,
  complaint_id uuid not null,
  file_key text not null,
  thumb_key text not null,
  width int not null,
  height int not null,
  created_at timestamptz not null default now(),
  foreign key (rw_id, complaint_id) references public.complaint(rw_id, id) on delete cascade
);
create index complaint_photo_idx on public.complaint_photo (complaint_id);

create table public.complaint_supporter (
  rw_id uuid not null,
  complaint_id uuid not null,
  user_id uuid not null references public.app_user(id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (complaint_id, user_id),
  foreign key (rw_id, complaint_id) references public.complaint(rw_id, id) on delete cascade
);
create index complaint_supporter_user_idx on public.complaint_supporter (user_id);

-- Every change of status (and reopen, rating), with a note and who (never updated).
create table public.complaint_event (
  id bigint generated always as identity primary key,
  rw_id uuid not null,
  complaint_id uuid not null,
  at timestamptz not null default now(),
  by_user uuid not null references public.app_user(id),
  kind text not null check (kind in ('reported', 'status', 'reopened', 'rated')),
  from_status text,
  to_status text,
  note text check (note is null or length(note) <= 1000),
  foreign key (rw_id, complaint_id) references public.complaint(rw_id, id) on delete cascade
);
create index complaint_event_idx on public.complaint_event (complaint_id, id);

insert into app.permission (action, role, scope) values
  ('complaints.manage', 'rw_admin', 'rw'),
  ('complaints.manage', 'rt_head', 'rt'),
  ('complaints.configure', 'rw_admin', 'rw');

-- The supporter count, kept by the database so the public view needs no join.
create function app.complaint_supporter_count() returns trigger
language plpgsql security definer set search_path = public, pg_temp
as $$
begin
  update public.complaint set supporter_count = supporter_count + case when tg_op = 'INSERT' then 1 else -1 end
   where id = coalesce(new.complaint_id, old.complaint_id);
  return null;
end
$$;
create trigger complaint_supporter_count after insert or delete on public.complaint_supporter
  for each row execute function app.complaint_supporter_count();

-- A reporter who is not staff may only reopen or rate: what they wrote, where, the
-- category and visibility stay as filed (staff moderate). The 14-day reopen window is
-- the service's rule (src/lib/domain/complaints.ts), on the app's clock.
-- Runs as the caller (not security definer): the server's own writes (the supporter
-- count) run as the owner and pass.
create function app.complaint_reporter_guard() returns trigger
language plpgsql set search_path = public, pg_temp
as $$
begin
  if current_user <> 'authenticated' or app.may('complaints.manage', old.rw_id, old.rt_id) then
    return new;
  end if;
  if (new.rw_id, new.rt_id, new.category_id, new.reporter_id, new.title, new.description, new.is_public, new.hidden,
      new.lat, new.lng, new.closed_reason, new.forward_url, new.duplicate_of, new.supporter_count, new.created_at)
     is distinct from
     (old.rw_id, old.rt_id, old.category_id, old.reporter_id, old.title, old.description, old.is_public, old.hidden,
      old.lat, old.lng, old.closed_reason, old.forward_url, old.duplicate_of, old.supporter_count, old.created_at) then
    raise exception 'a reporter may only reopen or rate a complaint' using errcode = '42501';
  end if;
  if new.status is distinct from old.status and not (old.status = 'selesai' and new.status = 'diterima') then
    raise exception 'a reporter may only reopen a finished complaint' using errcode = '42501';
  end if;
  return new;
end
$$;
-- Reopening a closed (not fixed) complaint clears its reason: only the row owner path
-- (staff) may change closed_reason, so reporters reopen only what was fixed.
create trigger complaint_reporter_guard before update on public.complaint
  for each row execute function app.complaint_reporter_guard();

-- Whether the caller may support (and so see) this complaint: public, shown, open, in
-- their RW, not their own.
create function app.complaint_supportable(p_id uuid) returns boolean
language sql stable security definer set search_path = public, pg_temp
as $$
  select exists (select 1 from public.complaint c
    where c.id = p_id and c.is_public and not c.hidden and c.status in ('baru', 'diterima', 'dikerjakan')
      and c.reporter_id <> auth.uid() and c.rw_id in (select app.member_rw_ids()));
$$;
revoke all on function app.complaint_supportable(uuid) from public;
grant execute on function app.complaint_supportable(uuid) to authenticated;

-- What other residents of the RW see: public, shown complaints without the reporter,
-- the notes or anything personal. The view runs as its owner (RLS of complaint does not
-- hide these rows); its own filter is the membership of the caller.
create view public.complaint_public with (security_barrier = true) as
  select c.id, c.rw_id, c.rt_id, c.category_id, cc.name as category_name, cc.code as category_code, c.title, c.description,
         c.status, c.closed_reason, c.forward_url, c.lat, c.lng, c.supporter_count, c.created_at, c.updated_at, c.finished_at
    from public.complaint c join public.complaint_category cc on cc.id = c.category_id
   where c.is_public and not c.hidden and c.rw_id in (select app.member_rw_ids());
revoke all on public.complaint_public from anon, authenticated;
grant select on public.complaint_public to authenticated;

alter table public.complaint_category enable row level security;
alter table public.complaint enable row level security;
alter table public.complaint_photo enable row level security;
alter table public.complaint_supporter enable row level security;
alter table public.complaint_event enable row level security;

revoke all on public.complaint_category, public.complaint, public.complaint_photo, public.complaint_supporter, public.complaint_event from anon, authenticated;
grant select, insert, update on public.complaint_category to authenticated;
grant select on public.complaint to authenticated;
grant insert (rw_id, rt_id, category_id, reporter_id, title, description, is_public, lat, lng) on public.complaint to authenticated;
grant update (status, closed_reason, forward_url, duplicate_of, is_public, hidden, title, description, updated_at, finished_at,
  rating, rating_comment, rated_at) on public.complaint to authenticated;
grant select, insert on public.complaint_photo to authenticated;
grant select, insert, delete on public.complaint_supporter to authenticated;
grant select, insert on public.complaint_event to authenticated;

create policy complaint_category_read on public.complaint_category for select to authenticated
  using (rw_id in (select app.member_rw_ids()));
create policy complaint_category_insert on public.complaint_category for insert to authenticated
  with check (rw_id in (select app.may_rws('complaints.configure')));
create policy complaint_category_update on public.complaint_category for update to authenticated
  using (rw_id in (select app.may_rws('complaints.configure'))) with check (rw_id in (select app.may_rws('complaints.configure')));

create policy complaint_read on public.complaint for select to authenticated
  using (reporter_id = auth.uid() or rt_id in (select app.may_rts('complaints.manage')));
create policy complaint_insert on public.complaint for insert to authenticated
  with check (reporter_id = auth.uid() and rw_id in (select app.member_rw_ids()));
create policy complaint_manage on public.complaint for update to authenticated
  using (rt_id in (select app.may_rts('complaints.manage'))) with check (rt_id in (select app.may_rts('complaints.manage')));
create policy complaint_reporter_update on public.complaint for update to authenticated
  using (reporter_id = auth.uid()) with check (reporter_id = auth.uid());

create policy complaint_photo_read on public.complaint_photo for select to authenticated
  using (complaint_id in (select c.id from public.complaint c) or complaint_id in (select v.id from public.complaint_public v));
create policy complaint_photo_insert on public.complaint_photo for insert to authenticated
  with check (exists (select 1 from public.complaint c where c.id = complaint_id and c.rw_id = complaint_photo.rw_id and c.reporter_id = auth.uid()));

create policy complaint_supporter_read on public.complaint_supporter for select to authenticated
  using (user_id = auth.uid() or complaint_id in (select c.id from public.complaint c));
create policy complaint_supporter_insert on public.complaint_supporter for insert to authenticated
  -- The foreign key (rw_id, complaint_id) keeps rw_id the complaint's own.
  with check (user_id = auth.uid() and app.complaint_supportable(complaint_id));
create policy complaint_supporter_delete on public.complaint_supporter for delete to authenticated
  using (user_id = auth.uid());

create policy complaint_event_read on public.complaint_event for select to authenticated
  using (complaint_id in (select c.id from public.complaint c));
create policy complaint_event_insert on public.complaint_event for insert to authenticated
  with check (by_user = auth.uid()
    and exists (select 1 from public.complaint c where c.id = complaint_id and c.rw_id = complaint_event.rw_id));

