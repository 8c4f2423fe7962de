-- A device message the database refuses again and again (a constraint its row breaks)
-- is kept here, as received, and acknowledged: held back, it would be sent again
-- forever, and with an external broker its unacknowledged place would hold up every
-- acknowledgement behind it (the app acknowledges in order). Nothing is lost: the RW
-- admin sees it counted (metric rukun_ingest_dead_letters_total) and can read it here.
create table public.ingest_dead_letter (
  id bigint generated always as identity primary key,
  rw_id uuid references public.rw(id) on delete cascade,
  device_id text,
  topic text not null,
  payload bytea not null,
  error text not null,
  attempts int not null,
  received_at timestamptz not null default now()
);
create index ingest_dead_letter_rw_idx on public.ingest_dead_letter (rw_id, received_at desc);

alter table public.ingest_dead_letter enable row level security;
revoke all on public.ingest_dead_letter from anon, authenticated;
grant select on public.ingest_dead_letter to authenticated;
create policy ingest_dead_letter_read on public.ingest_dead_letter for select to authenticated
  using (rw_id in (select app.may_rws('devices.manage')));
