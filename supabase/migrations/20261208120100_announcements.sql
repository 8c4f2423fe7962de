-- Announcements (docs/push.md, "Announcements"): the RW admin posts to the whole RW,
-- an RT head to their RT. Members read those of their RW (and of their own RT);
-- read state is per user. Posting with "push" writes announcement.posted
-- notifications (the push channel's outbox) in the same transaction.

insert into app.permission (action, role, scope) values
  ('announcements.post', 'rw_admin', 'rw'),
  ('announcements.post', 'rt_head', 'rt');

create table public.announcement (
  id uuid primary key default gen_random_uuid(),
  rw_id uuid not null references public.rw(id) on delete cascade,
  -- null: the whole RW.
  rt_id uuid,
  author_id uuid not null references public.app_user(id),
  -- Shown with the announcement: residents may not read other users' rows.
  author_name text not null check (length(author_name) between 1 and 100),
  title text not null check (length(title) between 3 and 120),
  body text not null check (length(body) between 1 and 4000),
  -- An uploaded image, re-encoded to JPEG, in the file store.
  image_key text check (image_key is null or image_key ~ '^announcements/'),
  push boolean not null default false,
  created_at timestamptz not null default now(),
  foreign key (rw_id, rt_id) references public.rt(rw_id, id)
);
create index announcement_rw_idx on public.announcement (rw_id, created_at desc);

create table public.announcement_read (
  rw_id uuid not null references public.rw(id) on delete cascade,
  announcement_id uuid not null references public.announcement(id) on delete cascade,
  user_id uuid not null references public.app_user(id) on delete cascade,
  read_at timestamptz not null default now(),
  primary key (announcement_id, user_id)
);

-- The RTs the caller lives in or heads (their memberships' RTs).
create function app.my_rt_ids() returns setof uuid
language plpgsql stable security definer set search_path = public, pg_temp
as $$ begin return query select rt_id from public.membership where user_id = auth.uid() and rt_id is not null; end $$;
revoke all on function app.my_rt_ids() from public;
grant execute on function app.my_rt_ids() to authenticated;

alter table public.announcement enable row level security;
alter table public.announcement_read enable row level security;
grant select, insert on public.announcement to authenticated;
grant select, insert on public.announcement_read to authenticated;

create policy announcement_read_members on public.announcement for select to authenticated using (
  rw_id in (select app.member_rw_ids())
  and (rt_id is null or rt_id in (select app.my_rt_ids()) or rt_id in (select app.may_rts('announcements.post')))
);
create policy announcement_post on public.announcement for insert to authenticated with check (
  author_id = auth.uid()
  and (case when rt_id is null then rw_id in (select app.may_rws('announcements.post'))
            else rt_id in (select app.may_rts('announcements.post')) end)
);
create policy announcement_read_own on public.announcement_read for all to authenticated
  using (user_id = auth.uid())
  with check (user_id = auth.uid() and rw_id in (select app.member_rw_ids()) and announcement_id in (select id from public.announcement));
