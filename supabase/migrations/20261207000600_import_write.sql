-- A registry import writes its rows in short transactions, a chunk each, so that
-- sensor acknowledgements never wait behind it for long; it stays all or nothing:
-- each chunk records here, in its own transaction, the rows it wrote under the
-- import's id. When a later chunk fails, or the process stops mid-import, the rows
-- recorded are removed (registry/registration.ts, removeImport); a finished import removes
-- only its record, in the transaction that audits it.
create table public.import_write (
  import_id uuid not null,
  rw_id uuid not null references public.rw(id) on delete cascade,
  kind text not null check (kind in ('house', 'household', 'resident')),
  row_id uuid not null,
  written_at timestamptz not null default now(),
  primary key (import_id, kind, row_id)
);
create index import_write_at on public.import_write (written_at);

alter table public.import_write enable row level security;
grant select, insert, delete on public.import_write to authenticated;
-- Whoever may write the registry somewhere in the RW records and finishes their imports there.
create policy import_write_own on public.import_write for all to authenticated
  using (rw_id in (select rt.rw_id from public.rt where rt.id in (select app.may_rts('registry.write'))))
  with check (rw_id in (select rt.rw_id from public.rt where rt.id in (select app.may_rts('registry.write'))));
