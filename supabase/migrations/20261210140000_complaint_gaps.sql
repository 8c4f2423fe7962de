-- Complaints (docs/complaints.md): the age on the app's clock, the English category name
-- for other residents, and a hidden report taken back from the area followers.

-- 1. A complaint's age (triage age filter, "open for N days", statistics) runs from the
--    app's clock when it was filed, not the database's now(): the service writes both.
grant insert (created_at, updated_at) on public.complaint to authenticated;

-- 2. Other residents see the category in their interface's language (English falls back
--    to the Indonesian name): the public view carries the English name too (appended).
create or replace view public.complaint_public with (security_barrier = true) as
  select c.id, c.rw_id, c.rt_id, c.category_id, cc.name as category_name, cc.code as category_code, c.title, c.description,
         c.status, c.closed_reason, c.forward_url, c.lat, c.lng, c.supporter_count, c.created_at, c.updated_at, c.finished_at,
         cc.name_en as category_name_en
    from public.complaint c join public.complaint_category cc on cc.id = c.category_id
   where c.is_public and not c.hidden and c.rw_id in (select app.member_rw_ids());

-- 3. Which complaints each follower's area notification counts ("Pengaduan baru di RT 1:
--    <judul>" counts one, "12 pengaduan baru di RT 1" twelve), so that a complaint hidden
--    or made private after it was announced can be taken out of them again.
create table public.complaint_follow_counted (
  notification_id bigint not null references public.notification(id) on delete cascade,
  rw_id uuid not null,
  complaint_id uuid not null,
  primary key (notification_id, complaint_id),
  foreign key (rw_id, complaint_id) references public.complaint(rw_id, id) on delete cascade
);
create index complaint_follow_counted_complaint_idx on public.complaint_follow_counted (complaint_id);
alter table public.complaint_follow_counted enable row level security;
revoke all on public.complaint_follow_counted from anon, authenticated;

-- The single-report notifications written before this table: each counts its complaint.
-- (A coalesced one written before does not say which reports it counts: it stays as is.)
insert into public.complaint_follow_counted (notification_id, rw_id, complaint_id)
select n.id, c.rw_id, c.id
  from public.notification n join public.complaint c on n.link = '/pengaduan/' || c.id
 where n.kind = 'complaint.area_new'
on conflict do nothing;

-- As in 20261208141100_complaint_follow.sql, and a report counted on an open window's
-- notification is recorded as counted there.
create or replace function app.complaint_follow_fanout(p_complaint uuid, p_now timestamptz, p_window interval)
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
  -- Reports of one RW announce (and are taken back, app.complaint_follow_retract) one
  -- after the other, to the end of the transaction: the next statement's snapshot sees
  -- the windows a concurrent step just opened or changed.
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
  counted as (
    insert into public.complaint_follow_counted (notification_id, rw_id, complaint_id)
    select r.id, c.rw_id, c.id from renamed r
    on conflict do nothing
  ),
  opened as (
    update public.complaint_follow f set notice_at = p_now, notice_count = 1, notice_id = null
      from target t where f.id = t.id and not t.open
    returning f.user_id, f.rt_id
  )
  select o.user_id, coalesce(rt.name, rw.name), c.rw_id, c.title
    from opened o join public.rw on rw.id = c.rw_id left join public.rt on rt.id = o.rt_id;
end
$$;

create or replace function app.complaint_follow_link(p_complaint uuid, p_now timestamptz) returns void
language plpgsql security definer set search_path = public, pg_temp
as $$
begin
  with linked as (
    update public.complaint_follow f set notice_id = n.id
      from public.complaint c, public.notification n
     where c.id = p_complaint and (c.reporter_id = auth.uid() or app.may('complaints.manage', c.rw_id, c.rt_id))
       and f.rw_id = c.rw_id and (f.rt_id = c.rt_id or f.rt_id is null)
       and f.notice_at = p_now and f.notice_count = 1 and f.notice_id is null
       and n.user_id = f.user_id and n.link = '/pengaduan/' || c.id and n.kind = 'complaint.area_new'
    returning n.id, c.rw_id, c.id as complaint_id
  )
  insert into public.complaint_follow_counted (notification_id, rw_id, complaint_id)
  select id, rw_id, complaint_id from linked
  on conflict do nothing;
end
$$;

-- Takes a complaint back out of the followers' notifications that count it (it was
-- hidden or made private): a notification of that one report is removed; one counting
-- several counts one less (and names the report that is left when one is); the window
-- it belongs to counts one less. The complaint may be announced afresh when it is shown
-- again. A push already delivered cannot be recalled (docs/complaints.md).
create function app.complaint_follow_retract(p_complaint uuid) returns void
language plpgsql security definer set search_path = public, pg_temp
as $$
declare
  v_rw uuid;
  n record;
  remaining int;
  kept record;
begin
  select rw_id into v_rw from public.complaint where id = p_complaint;
  if not found then return; end if;
  -- After a concurrent announcement of the RW has committed (see app.complaint_follow_fanout).
  perform pg_advisory_xact_lock(hashtext('complaint_follow'), hashtext(v_rw::text));
  for n in
    select x.id, x.kind, x.params
      from public.complaint_follow_counted k join public.notification x on x.id = k.notification_id
     where k.complaint_id = p_complaint
     order by x.id
       for update of x
  loop
    delete from public.complaint_follow_counted where notification_id = n.id and complaint_id = p_complaint;
    remaining := case when n.kind = 'complaint.area_many' then coalesce((n.params ->> 'count')::int, 1) - 1 else 0 end;
    if remaining <= 0 then
      delete from public.notification where id = n.id;
    else
      select c.id, c.title into kept
        from public.complaint_follow_counted k join public.complaint c on c.id = k.complaint_id
       where k.notification_id = n.id;
      if remaining = 1 and (select count(*) from public.complaint_follow_counted k where k.notification_id = n.id) = 1 then
        update public.notification
           set kind = 'complaint.area_new', link = '/pengaduan/' || kept.id,
               params = jsonb_build_object('area', n.params ->> 'area', 'title', kept.title)
         where id = n.id;
      else
        update public.notification set params = n.params || jsonb_build_object('count', remaining) where id = n.id;
      end if;
      update public.complaint_follow set notice_count = remaining where notice_id = n.id;
    end if;
  end loop;
  delete from public.complaint_follow_told where complaint_id = p_complaint;
end
$$;
revoke all on function app.complaint_follow_retract(uuid) from public;

-- In the transaction of the step that hides it or makes it private, whoever writes the row.
create function app.complaint_follow_retract_trigger() returns trigger
language plpgsql security definer set search_path = public, pg_temp
as $$
begin
  perform app.complaint_follow_retract(new.id);
  return null;
end
$$;
revoke all on function app.complaint_follow_retract_trigger() from public;
create trigger complaint_follow_retract after update of hidden, is_public on public.complaint
  for each row when ((new.hidden and not old.hidden) or (old.is_public and not new.is_public))
  execute function app.complaint_follow_retract_trigger();
