-- Area alerts for complaints (docs/complaints.md "Following an area"): a member follows
-- their own RT, or the whole RW, and is told of new public reports there, through the
-- in-app notification (and so Web Push, preference area_reports).
--
-- A flood of reports is coalesced: per follower and followed area, the first report
-- opens a 10-minute window with its own notification ("new report: <title>"); the
-- next reports inside the window update that same notification ("N new reports in
-- RT 3", unread again) instead of writing new ones, so at most one notification (and
-- one push) per follower per area per window. The window state lives on the follow
-- row; the server writes it only through app.complaint_follow_fanout/_link below.

create table public.complaint_follow (
  id uuid primary key default gen_random_uuid(),
  rw_id uuid not null references public.rw(id) on delete cascade,
  user_id uuid not null references public.app_user(id) on delete cascade,
  -- The RT followed; null: the whole RW.
  rt_id uuid,
  created_at timestamptz not null default now(),
  -- The current window: when it opened (the app's clock), the reports it counts, its notification.
  notice_at timestamptz,
  notice_count int not null default 0 check (notice_count >= 0),
  notice_id bigint references public.notification(id) on delete set null,
  foreign key (rw_id, rt_id) references public.rt(rw_id, id) on delete cascade
);
create unique index complaint_follow_rt_key on public.complaint_follow (user_id, rt_id) where rt_id is not null;
create unique index complaint_follow_rw_key on public.complaint_follow (user_id, rw_id) where rt_id is null;
create index complaint_follow_area_idx on public.complaint_follow (rw_id, rt_id);

-- Complaints already announced to followers: each one once, also when it turns public
-- again after being made private or hidden.
create table public.complaint_follow_told (
  rw_id uuid not null,
  complaint_id uuid primary key,
  at timestamptz not null,
  foreign key (rw_id, complaint_id) references public.complaint(rw_id, id) on delete cascade
);

alter table public.complaint_follow enable row level security;
alter table public.complaint_follow_told enable row level security;
revoke all on public.complaint_follow, public.complaint_follow_told from anon, authenticated;
grant select, delete on public.complaint_follow to authenticated;
grant insert (rw_id, user_id, rt_id) on public.complaint_follow to authenticated;

-- One's own follows only; a follow only in an RW one belongs to, of one's own RT or the whole RW.
create policy complaint_follow_read on public.complaint_follow for select to authenticated
  using (user_id = auth.uid());
create policy complaint_follow_insert on public.complaint_follow for insert to authenticated
  with check (user_id = auth.uid() and rw_id in (select app.member_rw_ids())
    and (rt_id is null or rt_id in (select app.my_rt_ids())));
create policy complaint_follow_delete on public.complaint_follow for delete to authenticated
  using (user_id = auth.uid());

-- Who is told of this complaint: each follower of its RT or its RW once, through the
-- narrowest area they follow (their RT before the RW), still a member of the RW, not
-- the reporter, not already told of it in this step (the staff it is routed to).
-- Only a public, shown complaint of a category that is not private by default
-- (security), and only by its reporter or staff of its reach, and only once.
--
-- Followers whose window for that area is open (opened less than p_window before
-- p_now) get their window's notification updated (count + 1, unread again); the
-- others get a new window, and are returned (with the area's name, the RW and the title) for the caller to
-- notify(); app.complaint_follow_link then ties the window to that notification.
create function app.complaint_follow_fanout(p_complaint uuid, p_now timestamptz, p_window interval)
returns table (user_id uuid, area text, rw_id uuid, title text)
language plpgsql security definer set search_path = public, pg_temp
as $$
#variable_conflict use_column
declare
  c record;
begin
  select x.id, x.rw_id, x.rt_id, x.reporter_id, x.title, x.is_public, x.hidden, cc.private_by_default
    into c from public.complaint x join public.complaint_category cc on cc.id = x.category_id
   where x.id = p_complaint;
  if not found or not (c.reporter_id = auth.uid() or app.may('complaints.manage', c.rw_id, c.rt_id)) then return; end if;
  if not c.is_public or c.hidden or c.private_by_default then return; end if;
  insert into public.complaint_follow_told (rw_id, complaint_id, at) values (c.rw_id, c.id, p_now) on conflict do nothing;
  if not found then return; end if;
  -- Reports of one RW announce one after the other (to the end of the transaction): the
  -- next statement's snapshot sees the windows a concurrent report just opened, so two
  -- reports at once count on one notification instead of opening two windows.
  perform pg_advisory_xact_lock(hashtext('complaint_follow'), hashtext(c.rw_id::text));

  return query
  with target as (
    select distinct on (f.user_id) f.id, f.user_id, f.rt_id,
           (f.notice_id is not null and f.notice_at > p_now - p_window) as open, f.notice_id
      from public.complaint_follow f
     where f.rw_id = c.rw_id and (f.rt_id = c.rt_id or f.rt_id is null)
       and f.user_id <> c.reporter_id
       and exists (select 1 from public.membership m where m.user_id = f.user_id and m.rw_id = c.rw_id)
       and not exists (select 1 from public.notification n where n.user_id = f.user_id and n.link = '/pengaduan/' || c.id)
     order by f.user_id, f.rt_id nulls last
  ),
  -- An open window: one more report on the same notification, unread again.
  bumped as (
    update public.complaint_follow f set notice_count = f.notice_count + 1
      from target t where f.id = t.id and t.open
    returning f.rt_id, f.notice_count, t.notice_id
  ),
  renamed as (
    update public.notification n
       set kind = 'complaint.area_many', link = '/pengaduan', read_at = null,
           params = jsonb_build_object('count', b.notice_count, 'area', coalesce(rt.name, rw.name))
      from bumped b join public.rw on rw.id = c.rw_id left join public.rt on rt.id = b.rt_id
     where n.id = b.notice_id
    returning n.id
  ),
  -- The rest: a new window, announced by the caller.
  opened as (
    update public.complaint_follow f set notice_at = p_now, notice_count = 1, notice_id = null
      from target t where f.id = t.id and not t.open
    returning f.user_id, f.rt_id
  )
  select o.user_id, coalesce(rt.name, rw.name), c.rw_id, c.title
    from opened o join public.rw on rw.id = c.rw_id left join public.rt on rt.id = o.rt_id;
end
$$;

-- Ties the windows just opened for this complaint to the notifications notify() wrote.
create function app.complaint_follow_link(p_complaint uuid, p_now timestamptz) returns void
language plpgsql security definer set search_path = public, pg_temp
as $$
begin
  update public.complaint_follow f set notice_id = n.id
    from public.complaint c, public.notification n
   where c.id = p_complaint and (c.reporter_id = auth.uid() or app.may('complaints.manage', c.rw_id, c.rt_id))
     and f.rw_id = c.rw_id and (f.rt_id = c.rt_id or f.rt_id is null)
     and f.notice_at = p_now and f.notice_count = 1 and f.notice_id is null
     and n.user_id = f.user_id and n.link = '/pengaduan/' || c.id and n.kind = 'complaint.area_new';
end
$$;

revoke all on function app.complaint_follow_fanout(uuid, timestamptz, interval), app.complaint_follow_link(uuid, timestamptz) from public;
grant execute on function app.complaint_follow_fanout(uuid, timestamptz, interval), app.complaint_follow_link(uuid, timestamptz) to authenticated;

-- Web Push preference for these alerts (docs/push.md "Preferences").
alter table public.push_preference add column area_reports boolean not null default true;
