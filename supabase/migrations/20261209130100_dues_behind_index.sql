-- Dues (iuran): the treasurer's dashboard lists the 100 houses most behind (months open,
-- then amount open). In this index's order the list is its first 100 entries, not a sort
-- of every house of the RW on each view (bench/README.md, "Dues").
create index dues_house_status_behind_idx on public.dues_house_status (rw_id, open_months desc, open_amount desc, house_id)
  where open_months > 0;
