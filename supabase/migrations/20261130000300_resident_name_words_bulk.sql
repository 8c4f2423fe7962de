-- Registry import: a resident insert adds its name words once per statement,
-- from the statement's new rows, instead of once per row. An import writes 1,000
-- residents per statement while it holds the database; measured on PGlite for 9,000
-- residents in 2,250 households: the database was held 2.0 s, 1.5 s now. Updates
-- (a new name, a move to another RT) keep the per-row trigger of 000700.
create function app.resident_name_words_inserted() returns trigger
language plpgsql security definer set search_path = public, pg_temp
as $$
begin
  insert into public.resident_name_word (rw_id, rt_id, word, name, resident_id)
    select distinct n.rw_id, n.rt_id, w, n.name, n.id
      from new_rows n, regexp_split_to_table(lower(n.name), '[^[:alnum:]]+') as w
     where w <> '';
  return null;
end
$$;
revoke all on function app.resident_name_words_inserted() from public;

drop trigger resident_name_words on public.resident;
create trigger resident_name_words after insert on public.resident
  referencing new table as new_rows
  for each statement execute function app.resident_name_words_inserted();
