-- The complaint map for any member of the RW: the mapped houses' points and their RT
-- (no block, number or occupant: where houses stand, so the map works without tiles
-- and a pin can be placed relative to them), and the RW's RTs for labels. The service
-- also uses the points to give a complaint the RT of the nearest house and to warn of a
-- pin outside the RW (src/lib/domain/complaints.ts).
create function app.rw_house_points(p_rw uuid)
returns table (lat double precision, lng double precision, rt_id uuid, rt_number int, mine boolean)
language sql stable security definer set search_path = public, pg_temp
as $$
  select h.lat, h.lng, h.rt_id, rt.number::int, h.id in (select app.my_house_ids())
    from public.house h join public.rt on rt.id = h.rt_id
   where h.rw_id = p_rw and p_rw in (select app.member_rw_ids()) and h.lat is not null and h.lng is not null;
$$;
revoke all on function app.rw_house_points(uuid) from public;
grant execute on function app.rw_house_points(uuid) to authenticated;
