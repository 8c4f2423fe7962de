-- The rollup flush in several short messages instead of one long one
-- (src/lib/server/ingest/rollups.ts; docs/architecture.md, "The database"). On PGlite
-- every message holds the one session, and a batch of readings that arrives meanwhile
-- waits for it: the flush's sums for 200 sensors were one statement of ~25 ms of CPU.
--
-- Sensors fall into eight fixed groups (app.rollup_group). The flush writes the sums of
-- some groups per message, and marks, in the same transaction, those groups as written
-- for each of its batches here; the last message deletes the batches' rows. A crash
-- between the messages leaves batches with some groups marked: recovery then folds only
-- the readings of the other groups, so no reading is counted twice or lost.
alter table public.rollup_pending add column flushed_groups int not null default 0;

-- A sensor's group, 0..7: the first 32 bits of the md5 of its id, low three bits (the
-- flush computes the same in JavaScript).
create function app.rollup_group(device_id text) returns int
language sql immutable parallel safe set search_path = pg_catalog
as $$ select (('x' || left(md5(device_id), 8))::bit(32)::int) & 7 $$;
revoke all on function app.rollup_group(text) from public;
