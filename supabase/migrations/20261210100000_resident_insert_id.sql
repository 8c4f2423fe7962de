-- The registry import writes each chunk as one message to the database (one batch
-- of statements that need no answer from each other, registry/registration.ts): the
-- ids of its new residents and households are made by the app, so the chunk's record
-- of what it wrote (import_write) and the residents' households need no RETURNING or
-- lookup in between. Households could already be inserted with their id; residents
-- now too. An id chosen by the caller gives no right: a taken one fails on the key.
grant insert (id) on public.resident to authenticated;
