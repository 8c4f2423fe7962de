-- Administrative letters: service catalogue, requests with attachments and an
-- audit trail, the numbering register, issued letters with a verification token,
-- pick-up slots, the satisfaction survey and in-app notifications.

create table public.letter_service (
  id uuid primary key default gen_random_uuid(),
  rw_id uuid not null references public.rw(id) on delete cascade,
  kind text not null check (kind ~ '^[A-Z][A-Z0-9-]{1,19}$'),
  name text not null check (length(name) between 3 and 160),
  mode text not null check (mode in ('online', 'tatap_muka', 'tautan')),
  requirements text[] not null default '{}',
  procedure text[] not null default '{}',
  legal_basis text[] not null default '{}',
  days int check (days between 1 and 60),
  fee_rp bigint not null default 0 check (fee_rp >= 0),
  product text not null default '' check (length(product) <= 300),
  complaint_channel text not null default '' check (length(complaint_channel) <= 300),
  in_person_reason text not null default '' check (length(in_person_reason) <= 500),
  external_url text check (external_url ~ '^https://'),
  external_label text not null default '' check (length(external_label) <= 200),
  fields jsonb not null default '[]'::jsonb check (jsonb_typeof(fields) = 'array'),
  template text not null default '' check (length(template) <= 4000),
  active boolean not null default true,
  sort int not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (mode <> 'online' or days is not null),
  unique (rw_id, kind),
  unique (rw_id, id)
);

create table public.letter_settings (
  rw_id uuid primary key references public.rw(id) on delete cascade,
  number_format text not null default '{seq:03}/{kind}/{rw}/{month:roman}/{year}' check (length(number_format) <= 80),
  place text not null default '' check (length(place) <= 60),
  -- Office hours for pick-up: [{"weekday":1..7 (ISO), "start":"HH:MM", "end":"HH:MM"}], WIB.
  office_hours jsonb not null default '[]'::jsonb check (jsonb_typeof(office_hours) = 'array'),
  slot_minutes int not null default 30 check (slot_minutes between 10 and 240),
  per_slot int not null default 3 check (per_slot between 1 and 50),
  updated_at timestamptz not null default now()
);

create table public.letter_request (
  id uuid primary key default gen_random_uuid(),
  rw_id uuid not null references public.rw(id) on delete cascade,
  rt_id uuid not null,
  service_id uuid not null,
  requester_id uuid not null references public.app_user(id),
  subject_resident_id uuid not null,
  status text not null default 'draft'
    check (status in ('draft', 'submitted', 'returned', 'rt_approved', 'issued', 'rejected', 'withdrawn')),
  data jsonb not null default '{}'::jsonb check (jsonb_typeof(data) = 'object'),
  reason text not null default '' check (length(reason) <= 500),
  returned_by_role text check (returned_by_role in ('rt_head', 'rw_admin')),
  submitted_at timestamptz,
  rt_approved_at timestamptz,
  finished_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  foreign key (rw_id, rt_id) references public.rt(rw_id, id),
  foreign key (rw_id, service_id) references public.letter_service(rw_id, id),
  foreign key (rw_id, subject_resident_id) references public.resident(rw_id, id),
  unique (rw_id, id)
);
create index letter_request_queue_idx on public.letter_request (rw_id, status, submitted_at);
create index letter_request_rt_idx on public.letter_request (rt_id, status, submitted_at);
create index letter_request_requester_idx on public.letter_request (requester_id, created_at desc);

create table public.letter_event (
  id bigint generated always as identity primary key,
  rw_id uuid not null references public.rw(id) on delete cascade,
  request_id uuid not null,
  actor_id uuid not null references public.app_user(id),
  actor_name text not null,
  actor_role text not null,
  action text not null check (action in ('created', 'submitted', 'resubmitted', 'returned', 'rejected',
    'rt_approved', 'issued', 'withdrawn', 'cancelled', 'pickup_booked', 'picked_up')),
  note text not null default '' check (length(note) <= 500),
  at timestamptz not null default now(),
  foreign key (rw_id, request_id) references public.letter_request(rw_id, id) on delete cascade
);
create index letter_event_request_idx on public.letter_event (request_id, at);

create table public.letter_attachment (
  id uuid primary key default gen_random_uuid(),
  rw_id uuid not null references public.rw(id) on delete cascade,
  request_id uuid not null,
  file_key text not null unique,
  content_type text not null check (content_type in ('image/jpeg', 'application/pdf')),
  original_name text not null default '',
  size_bytes int not null check (size_bytes > 0),
  label text not null default '' check (length(label) <= 200),
  uploaded_by uuid not null references public.app_user(id),
  created_at timestamptz not null default now(),
  foreign key (rw_id, request_id) references public.letter_request(rw_id, id) on delete cascade
);
create index letter_attachment_request_idx on public.letter_attachment (request_id);

-- The register: one counter per (RW, letter kind, year in WIB). Incremented inside the
-- approving transaction (the upsert takes the row lock), so numbers never repeat and,
-- because a rolled-back approval rolls the counter back too, never skip.
create table public.letter_register (
  rw_id uuid not null references public.rw(id) on delete cascade,
  kind text not null,
  year int not null check (year between 2000 and 2999),
  last_seq int not null check (last_seq >= 1),
  primary key (rw_id, kind, year)
);

create table public.letter (
  id uuid primary key default gen_random_uuid(),
  rw_id uuid not null references public.rw(id) on delete cascade,
  request_id uuid not null unique,
  kind text not null,
  year int not null,
  seq int not null check (seq >= 1),
  number text not null,
  verify_token text not null unique check (length(verify_token) >= 22),
  holder_name text not null,
  holder_nik_masked text not null,
  service_name text not null,
  signer_name text not null,
  signer_role text not null,
  -- Everything the PDF is drawn from (the NIK only as ciphertext); the PDF is
  -- regenerated from it on download and checked against pdf_sha256.
  frozen jsonb not null,
  -- The PDF as issued, sealed with the PII key (it shows the full NIK), in the file store.
  pdf_file_key text not null,
  pdf_sha256 text not null check (pdf_sha256 ~ '^[0-9a-f]{64}$'),
  issued_at timestamptz not null default now(),
  issued_by uuid not null references public.app_user(id),
  cancelled_at timestamptz,
  cancelled_by uuid references public.app_user(id),
  cancel_reason text not null default '' check (length(cancel_reason) <= 500),
  picked_up_at timestamptz,
  picked_up_by uuid references public.app_user(id),
  foreign key (rw_id, request_id) references public.letter_request(rw_id, id),
  unique (rw_id, kind, year, seq),
  unique (rw_id, number),
  unique (rw_id, id)
);
create index letter_rw_issued_idx on public.letter (rw_id, issued_at desc);

create table public.pickup_booking (
  id uuid primary key default gen_random_uuid(),
  rw_id uuid not null references public.rw(id) on delete cascade,
  letter_id uuid not null,
  slot_start timestamptz not null,
  booked_by uuid not null references public.app_user(id),
  created_at timestamptz not null default now(),
  cancelled_at timestamptz,
  foreign key (rw_id, letter_id) references public.letter(rw_id, id)
);
create unique index pickup_booking_active_idx on public.pickup_booking (letter_id) where cancelled_at is null;
create index pickup_booking_slot_idx on public.pickup_booking (rw_id, slot_start) where cancelled_at is null;

-- SKM (Permenpan RB 14/2017): nine elements rated 1-4.
create table public.letter_survey (
  id uuid primary key default gen_random_uuid(),
  rw_id uuid not null references public.rw(id) on delete cascade,
  request_id uuid not null unique,
  service_id uuid not null,
  respondent_id uuid not null references public.app_user(id),
  scores int[] not null check (array_length(scores, 1) = 9 and 1 <= all (scores) and 4 >= all (scores)),
  comment text not null default '' check (length(comment) <= 1000),
  created_at timestamptz not null default now(),
  foreign key (rw_id, request_id) references public.letter_request(rw_id, id),
  foreign key (rw_id, service_id) references public.letter_service(rw_id, id)
);
create index letter_survey_rw_idx on public.letter_survey (rw_id, created_at);

-- In-app notifications (Web Push rides on top when a subscription exists).
create table public.notification (
  id bigint generated always as identity primary key,
  rw_id uuid not null references public.rw(id) on delete cascade,
  user_id uuid not null references public.app_user(id) on delete cascade,
  kind text not null check (length(kind) between 1 and 60),
  params jsonb not null default '{}'::jsonb,
  link text not null default '' check (link = '' or link ~ '^/[^/\\]'),
  created_at timestamptz not null default now(),
  read_at timestamptz
);
create index notification_user_idx on public.notification (user_id, created_at desc);

-- The public verification page reads one letter by its token and nothing else.
create function app.verify_letter(p_token text)
returns table (number text, service_name text, kind text, issued_at timestamptz, signer_name text,
  signer_role text, holder_name text, holder_nik_masked text, pdf_sha256 text, cancelled_at timestamptz,
  cancel_reason text, rw_name text)
language plpgsql stable security definer set search_path = public, pg_temp
as $$
begin
  return query
    select l.number, l.service_name, l.kind, l.issued_at, l.signer_name, l.signer_role, l.holder_name,
           l.holder_nik_masked, l.pdf_sha256, l.cancelled_at, l.cancel_reason, rw.name
      from public.letter l join public.rw on rw.id = l.rw_id
     where l.verify_token = p_token;
end
$$;
revoke all on function app.verify_letter(text) from public;
grant execute on function app.verify_letter(text) to anon, authenticated;

-- Who heads an RT (names for the RT queue and notifications); readable by RW members.
create function app.rt_head_user_ids(p_rt uuid) returns setof uuid
language plpgsql stable security definer set search_path = public, pg_temp
as $$
begin
  return query select m.user_id from public.membership m
    where m.rt_id = p_rt and m.role = 'rt_head' and m.rw_id in (select app.member_rw_ids());
end
$$;
create function app.rw_admin_user_ids(p_rw uuid) returns setof uuid
language plpgsql stable security definer set search_path = public, pg_temp
as $$
begin
  return query select m.user_id from public.membership m
    where m.rw_id = p_rw and m.role = 'rw_admin' and p_rw in (select app.member_rw_ids());
end
$$;
revoke all on function app.rt_head_user_ids(uuid), app.rw_admin_user_ids(uuid) from public;
grant execute on function app.rt_head_user_ids(uuid), app.rw_admin_user_ids(uuid) to authenticated;

alter table public.letter_service enable row level security;
alter table public.letter_settings enable row level security;
alter table public.letter_request enable row level security;
alter table public.letter_event enable row level security;
alter table public.letter_attachment enable row level security;
alter table public.letter_register enable row level security;
alter table public.letter enable row level security;
alter table public.pickup_booking enable row level security;
alter table public.letter_survey enable row level security;
alter table public.notification enable row level security;

grant select on public.letter_service, public.letter_settings to anon;
grant select, insert, update on public.letter_service, public.letter_settings to authenticated;
grant select, insert, update on public.letter_request to authenticated;
grant select, insert on public.letter_event to authenticated;
grant select, insert, delete on public.letter_attachment to authenticated;
grant select, insert, update on public.letter_register, public.letter, public.pickup_booking to authenticated;
grant select, insert on public.letter_survey to authenticated;
grant select, insert, update (read_at) on public.notification to authenticated;

-- The catalogue is a public service standard: anyone may read it.
create policy letter_service_read on public.letter_service for select to anon, authenticated using (true);
create policy letter_service_admin on public.letter_service for insert to authenticated
  with check (rw_id in (select app.role_rw_ids(array['rw_admin'])));
create policy letter_service_admin_update on public.letter_service for update to authenticated
  using (rw_id in (select app.role_rw_ids(array['rw_admin'])))
  with check (rw_id in (select app.role_rw_ids(array['rw_admin'])));

create policy letter_settings_read on public.letter_settings for select to anon, authenticated using (true);
create policy letter_settings_admin on public.letter_settings for insert to authenticated
  with check (rw_id in (select app.role_rw_ids(array['rw_admin'])));
create policy letter_settings_admin_update on public.letter_settings for update to authenticated
  using (rw_id in (select app.role_rw_ids(array['rw_admin'])))
  with check (rw_id in (select app.role_rw_ids(array['rw_admin'])));

-- Requests: the requester sees their own; the RT head sees their RT's once submitted;
-- the RW admin sees the RW's once submitted. Drafts are the requester's alone.
create policy letter_request_read on public.letter_request for select to authenticated using (
  requester_id = auth.uid()
  or (status <> 'draft' and rt_id in (select app.head_rt_ids()))
  or (status <> 'draft' and rw_id in (select app.role_rw_ids(array['rw_admin'])))
);
create policy letter_request_insert on public.letter_request for insert to authenticated with check (
  requester_id = auth.uid() and rw_id in (select app.member_rw_ids())
  and subject_resident_id in (select r.id from public.resident r)
);
create policy letter_request_update on public.letter_request for update to authenticated
  using (
    requester_id = auth.uid()
    or rt_id in (select app.head_rt_ids())
    or rw_id in (select app.role_rw_ids(array['rw_admin']))
  )
  with check (
    requester_id = auth.uid()
    or rt_id in (select app.head_rt_ids())
    or rw_id in (select app.role_rw_ids(array['rw_admin']))
  );

create policy letter_event_read on public.letter_event for select to authenticated
  using (request_id in (select r.id from public.letter_request r));
create policy letter_event_insert on public.letter_event for insert to authenticated
  with check (actor_id = auth.uid() and request_id in (select r.id from public.letter_request r));

create policy letter_attachment_read on public.letter_attachment for select to authenticated
  using (request_id in (select r.id from public.letter_request r));
create policy letter_attachment_insert on public.letter_attachment for insert to authenticated
  with check (uploaded_by = auth.uid()
    and request_id in (select r.id from public.letter_request r where r.requester_id = auth.uid()));
create policy letter_attachment_delete on public.letter_attachment for delete to authenticated
  using (request_id in (select r.id from public.letter_request r
    where r.requester_id = auth.uid() and r.status in ('draft', 'returned')));

create policy letter_register_admin on public.letter_register for all to authenticated
  using (rw_id in (select app.role_rw_ids(array['rw_admin'])))
  with check (rw_id in (select app.role_rw_ids(array['rw_admin'])));

create policy letter_read on public.letter for select to authenticated using (
  rw_id in (select app.role_rw_ids(array['rw_admin']))
  or request_id in (select r.id from public.letter_request r)
);
create policy letter_admin_insert on public.letter for insert to authenticated
  with check (rw_id in (select app.role_rw_ids(array['rw_admin'])) and issued_by = auth.uid());
create policy letter_admin_update on public.letter for update to authenticated
  using (rw_id in (select app.role_rw_ids(array['rw_admin'])))
  with check (rw_id in (select app.role_rw_ids(array['rw_admin'])));

-- Everyone in the RW may count bookings per slot (capacity), but only the booker and
-- the RW admin see whose they are: the service reads counts through pickup_slot_counts.
create policy pickup_read on public.pickup_booking for select to authenticated using (
  booked_by = auth.uid() or rw_id in (select app.role_rw_ids(array['rw_admin']))
);
create policy pickup_insert on public.pickup_booking for insert to authenticated with check (
  booked_by = auth.uid() and letter_id in (select l.id from public.letter l)
);
create policy pickup_update on public.pickup_booking for update to authenticated
  using (booked_by = auth.uid() or rw_id in (select app.role_rw_ids(array['rw_admin'])))
  with check (booked_by = auth.uid() or rw_id in (select app.role_rw_ids(array['rw_admin'])));

create function app.pickup_slot_counts(p_rw uuid, p_from timestamptz, p_to timestamptz)
returns table (slot_start timestamptz, booked int)
language plpgsql stable security definer set search_path = public, pg_temp
as $$
begin
  if p_rw not in (select app.member_rw_ids()) then return; end if;
  return query select b.slot_start, count(*)::int from public.pickup_booking b
    where b.rw_id = p_rw and b.cancelled_at is null and b.slot_start >= p_from and b.slot_start < p_to
    group by b.slot_start;
end
$$;
revoke all on function app.pickup_slot_counts(uuid, timestamptz, timestamptz) from public;
grant execute on function app.pickup_slot_counts(uuid, timestamptz, timestamptz) to authenticated;

create policy letter_survey_read on public.letter_survey for select to authenticated using (
  respondent_id = auth.uid() or rw_id in (select app.role_rw_ids(array['rw_admin']))
);
create policy letter_survey_insert on public.letter_survey for insert to authenticated with check (
  respondent_id = auth.uid()
  and request_id in (select r.id from public.letter_request r where r.requester_id = auth.uid() and r.status = 'issued')
);

create policy notification_read on public.notification for select to authenticated using (user_id = auth.uid());
create policy notification_insert on public.notification for insert to authenticated
  with check (rw_id in (select app.member_rw_ids()));
create policy notification_update on public.notification for update to authenticated
  using (user_id = auth.uid()) with check (user_id = auth.uid());
