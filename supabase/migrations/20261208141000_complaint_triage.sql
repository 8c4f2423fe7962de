-- Complaint triage and moderation (docs/complaints.md, "Triage" and "Moderation"):
-- assigning a complaint to one person who may handle it, hiding a report, privacy
-- edits of its text and photos with the original kept, and English category names.

-- Who handles it (one person of the RW with complaints.manage for the complaint's RT),
-- and the moderation state of the report itself.
alter table public.complaint
  add column assignee_id uuid references public.app_user(id),
  add column assigned_at timestamptz,
  add column hidden_reason text check (hidden_reason is null or length(hidden_reason) between 3 and 500),
  add column hidden_at timestamptz,
  add column hidden_by uuid references public.app_user(id),
  -- Last privacy edit of the text (the originals are in complaint_revision).
  add column edited_at timestamptz,
  add constraint complaint_hidden_has_reason check (not hidden or hidden_reason is not null);
create index complaint_assignee_idx on public.complaint (assignee_id, status) where assignee_id is not null;

-- Whether p_user may handle complaints of RT p_rt in RW p_rw (complaints.manage there):
-- the only people a complaint may be assigned to.
create function app.complaint_handler(p_user uuid, p_rw uuid, p_rt uuid) returns boolean
language sql stable security definer set search_path = public, pg_temp
as $$
  select exists (select 1 from public.membership m join app.permission p on p.role = m.role and p.action = 'complaints.manage'
    where m.user_id = p_user and m.rw_id = p_rw and (p.scope = 'rw' or m.rt_id = p_rt));
$$;
revoke all on function app.complaint_handler(uuid, uuid, uuid) from public;
grant execute on function app.complaint_handler(uuid, uuid, uuid) to authenticated;

-- The people the caller may assign a complaint to (none unless the caller manages it).
create function app.complaint_assignees(p_complaint uuid) returns table (id uuid, name text)
language sql stable security definer set search_path = public, pg_temp
as $$
  select distinct u.id, u.name
    from public.complaint c
    join public.membership m on m.rw_id = c.rw_id
    join app.permission p on p.role = m.role and p.action = 'complaints.manage' and (p.scope = 'rw' or m.rt_id = c.rt_id)
    join public.app_user u on u.id = m.user_id
   where c.id = p_complaint and app.may('complaints.manage', c.rw_id, c.rt_id)
   order by u.name;
$$;
revoke all on function app.complaint_assignees(uuid) from public;
grant execute on function app.complaint_assignees(uuid) to authenticated;

-- Everyone who handles complaints somewhere in the RW, with their name, for staff of the
-- RW (the triage list's "assigned to" column and filter).
create function app.complaint_handlers(p_rw uuid) returns table (id uuid, name text)
language sql stable security definer set search_path = public, pg_temp
as $$
  select distinct u.id, u.name
    from public.membership m
    join app.permission p on p.role = m.role and p.action = 'complaints.manage'
    join public.app_user u on u.id = m.user_id
   where m.rw_id = p_rw and p_rw in (select rt.rw_id from public.rt where rt.id in (select app.may_rts('complaints.manage')));
$$;
revoke all on function app.complaint_handlers(uuid) from public;
grant execute on function app.complaint_handlers(uuid) to authenticated;

-- An assignee outside the complaint's handlers (a resident, another RT's head, anyone of
-- another RW) is refused whoever writes it.
create function app.complaint_assignee_guard() returns trigger
language plpgsql set search_path = public, pg_temp
as $$
begin
  if new.assignee_id is not null and new.assignee_id is distinct from old.assignee_id
     and not app.complaint_handler(new.assignee_id, new.rw_id, new.rt_id) then
    raise exception 'the assignee may not handle this complaint' using errcode = '42501';
  end if;
  return new;
end
$$;
create trigger complaint_assignee_guard before update on public.complaint
  for each row execute function app.complaint_assignee_guard();

-- The reporter guard of 20261208140000, now also over the triage and moderation
-- columns: a reporter who is not staff may still only reopen or rate.
create or replace function app.complaint_reporter_guard() returns trigger
language plpgsql set search_path = public, pg_temp
as $$
begin
  if current_user <> 'authenticated' or app.may('complaints.manage', old.rw_id, old.rt_id) then
    return new;
  end if;
  if (new.rw_id, new.rt_id, new.category_id, new.reporter_id, new.title, new.description, new.is_public, new.hidden,
      new.lat, new.lng, new.closed_reason, new.forward_url, new.duplicate_of, new.supporter_count, new.created_at,
      new.assignee_id, new.assigned_at, new.hidden_reason, new.hidden_at, new.hidden_by, new.edited_at)
     is distinct from
     (old.rw_id, old.rt_id, old.category_id, old.reporter_id, old.title, old.description, old.is_public, old.hidden,
      old.lat, old.lng, old.closed_reason, old.forward_url, old.duplicate_of, old.supporter_count, old.created_at,
      old.assignee_id, old.assigned_at, old.hidden_reason, old.hidden_at, old.hidden_by, old.edited_at) then
    raise exception 'a reporter may only reopen or rate a complaint' using errcode = '42501';
  end if;
  if new.status is distinct from old.status and not (old.status = 'selesai' and new.status = 'diterima') then
    raise exception 'a reporter may only reopen a finished complaint' using errcode = '42501';
  end if;
  return new;
end
$$;

grant update (assignee_id, assigned_at, hidden_reason, hidden_at, hidden_by, edited_at) on public.complaint to authenticated;

-- Privacy edits of the text: the text before and after, who, when and why. Never
-- updated or deleted (no grant): the first row's old text is the original report.
-- Staff of the complaint's reach only; the public view shows the current text.
create table public.complaint_revision (
  id bigint generated always as identity primary key,
  rw_id uuid not null,
  complaint_id uuid not null,
  at timestamptz not null,
  by_user uuid not null references public.app_user(id),
  reason text not null check (length(reason) between 3 and 500),
  old_title text not null,
  old_description text not null,
  new_title text not null,
  new_description text not null,
  foreign key (rw_id, complaint_id) references public.complaint(rw_id, id) on delete cascade
);
create index complaint_revision_idx on public.complaint_revision (complaint_id, id);
alter table public.complaint_revision enable row level security;
revoke all on public.complaint_revision from anon, authenticated;
grant select, insert on public.complaint_revision to authenticated;
create policy complaint_revision_read on public.complaint_revision for select to authenticated
  using (complaint_id in (select c.id from public.complaint c where c.rt_id in (select app.may_rts('complaints.manage'))));
create policy complaint_revision_insert on public.complaint_revision for insert to authenticated
  with check (by_user = auth.uid() and exists (select 1 from public.complaint c
    where c.id = complaint_id and c.rw_id = complaint_revision.rw_id and c.rt_id in (select app.may_rts('complaints.manage'))));

-- A photo hidden for privacy stays stored (staff still see it, marked); a replacement
-- (e.g. with a face blurred) is a new row that names the photo it replaces.
alter table public.complaint_photo
  add column hidden boolean not null default false,
  add column hidden_reason text check (hidden_reason is null or length(hidden_reason) between 3 and 500),
  add column hidden_at timestamptz,
  add column hidden_by uuid references public.app_user(id),
  add column replaces uuid references public.complaint_photo(id),
  add constraint complaint_photo_hidden_has_reason check (not hidden or hidden_reason is not null);
grant update (hidden, hidden_reason, hidden_at, hidden_by) on public.complaint_photo to authenticated;

drop policy complaint_photo_read on public.complaint_photo;
create policy complaint_photo_read on public.complaint_photo for select to authenticated
  using (complaint_id in (select c.id from public.complaint c where c.rt_id in (select app.may_rts('complaints.manage')))
    or (not hidden and (complaint_id in (select c.id from public.complaint c) or complaint_id in (select v.id from public.complaint_public v))));
create policy complaint_photo_staff_insert on public.complaint_photo for insert to authenticated
  with check (exists (select 1 from public.complaint c where c.id = complaint_id and c.rw_id = complaint_photo.rw_id
    and c.rt_id in (select app.may_rts('complaints.manage'))));
create policy complaint_photo_moderate on public.complaint_photo for update to authenticated
  using (complaint_id in (select c.id from public.complaint c where c.rt_id in (select app.may_rts('complaints.manage'))))
  with check (complaint_id in (select c.id from public.complaint c where c.rt_id in (select app.may_rts('complaints.manage'))));

-- The history names triage and moderation steps too.
alter table public.complaint_event drop constraint complaint_event_kind_check;
alter table public.complaint_event add constraint complaint_event_kind_check
  check (kind in ('reported', 'status', 'reopened', 'rated', 'assigned', 'hidden', 'unhidden', 'edited', 'photo_hidden', 'photo_replaced'));

-- Category names in English for the English interface (the Indonesian name stays `name`).
alter table public.complaint_category add column name_en text check (name_en is null or length(name_en) between 1 and 60);
update public.complaint_category set name_en = case code
    when 'drainage' then 'Blocked drain' when 'street_light' then 'Street light out' when 'rubbish' then 'Rubbish'
    when 'road' then 'Damaged road / facilities' when 'noise' then 'Noise / disturbance' when 'security' then 'Security'
    when 'other' then 'Other' end
  where name_en is null;
create or replace function app.seed_complaint_categories(p_rw uuid) returns void
language sql security definer set search_path = public, pg_temp
as $$
  insert into public.complaint_category (rw_id, code, name, name_en, route_to, private_by_default, sort) values
    (p_rw, 'drainage', 'Saluran air / got tersumbat', 'Blocked drain', 'rt_head', false, 1),
    (p_rw, 'street_light', 'Lampu jalan mati', 'Street light out', 'rw_admin', false, 2),
    (p_rw, 'rubbish', 'Sampah', 'Rubbish', 'rt_head', false, 3),
    (p_rw, 'road', 'Jalan / fasilitas rusak', 'Damaged road / facilities', 'rw_admin', false, 4),
    (p_rw, 'noise', 'Kebisingan / gangguan', 'Noise / disturbance', 'rt_head', false, 5),
    (p_rw, 'security', 'Keamanan', 'Security', 'rw_admin', true, 6),
    (p_rw, 'other', 'Lainnya', 'Other', 'rt_head', false, 7)
  on conflict (rw_id, code) do nothing;
$$;
-- Two categories of one RW with the same name would be told apart by nobody.
create unique index complaint_category_name_idx on public.complaint_category (rw_id, lower(name));
