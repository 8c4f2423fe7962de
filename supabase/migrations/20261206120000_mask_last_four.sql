-- NIK and KK masks show only the last four digits. The first four (the region code)
-- beside the RW's own region and the birth date shown next to them gave the whole
-- number away (digits 7-12 are the birth date). One mask, the same as maskId in
-- src/lib/domain/nik.ts; officers who may see a number reveal it (logged).
create function app.mask_id(p_id text) returns text
language sql immutable parallel safe set search_path = pg_catalog
as $$ select repeat('•', 12) || right(p_id, 4) $$;

grant execute on function app.mask_id(text) to authenticated;

-- Re-mask what was stored with the old mask ('3175••••••••0001' → '••••••••••••0001').
update public.resident set nik_masked = app.mask_id(nik_masked) where nik_masked <> app.mask_id(nik_masked);
update public.household set kk_masked = app.mask_id(kk_masked) where kk_masked <> app.mask_id(kk_masked);
update public.letter set holder_nik_masked = app.mask_id(holder_nik_masked) where holder_nik_masked <> app.mask_id(holder_nik_masked);
-- A correction request keeps a whole number asked for only masked (shorter parts as bullets).
update public.correction_request set requested_value = app.mask_id(requested_value)
 where field in ('nik', 'kk') and length(requested_value) >= 16 and requested_value <> app.mask_id(requested_value);
