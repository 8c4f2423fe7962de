-- Loss is never silent: for each device and boot, the lowest and highest seq stored and
-- how many readings were stored. A device counts its messages (seq, restarting with a
-- new boot), so last_seq - first_seq + 1 - received is how many it sent that never
-- arrived (README, "Devices and MQTT"). Kept by the ingest's once-a-second rollup flush
-- from the new readings of each stored batch (duplicates left out), in the transaction
-- that folds the batch, so every reading counts once, also across instances.
create table public.device_seq_span (
  device_id text not null references public.device(id) on delete cascade,
  boot bigint not null,
  rw_id uuid not null,
  first_seq bigint not null,
  last_seq bigint not null,
  received bigint not null,
  first_ts timestamptz not null,
  last_ts timestamptz not null,
  primary key (device_id, boot)
);
create index device_seq_span_rw_idx on public.device_seq_span (rw_id);

alter table public.device_seq_span enable row level security;
-- Written only by the ingest (the owner); Supabase's default privileges grant new
-- tables to both API roles: reading is all they get.
revoke all on public.device_seq_span from anon, authenticated;
grant select on public.device_seq_span to authenticated;
create policy device_seq_span_read on public.device_seq_span for select to authenticated
  using (rw_id in (select app.may_rws('devices.read')));

-- The readings already stored, except batches still waiting for their rollup flush
-- (those are added by the flush or by recovery, like every later batch).
insert into public.device_seq_span (device_id, boot, rw_id, first_seq, last_seq, received, first_ts, last_ts)
select r.device_id, r.boot, min(r.rw_id::text)::uuid, min(r.seq), max(r.seq), count(*), min(r.ts), max(r.ts)
  from public.reading r
 where exists (select 1 from public.device d where d.id = r.device_id)
   and not exists (select 1 from public.rollup_pending p where p.batch_at = r.received_at)
 group by r.device_id, r.boot;
