-- Pumps, the residents' water-level view and the public flood page (docs/domain.md,
-- "Flood monitoring").
--
-- 1. A pump command keeps the commander's name as it was when given: officers see who
--    switched a pump, but may not read other members' accounts (app_user's RLS). A
--    trigger fills it from the account, so a caller cannot write another name.
alter table public.pump_command add column by_name text;

create function app.pump_command_by_name() returns trigger
language plpgsql security definer set search_path = public, pg_temp
as $$
begin
  new.by_name := (select u.name from public.app_user u where u.id = new.by_user);
  return new;
end
$$;
revoke all on function app.pump_command_by_name() from public;
create trigger pump_command_by_name before insert on public.pump_command
  for each row execute function app.pump_command_by_name();

-- The server settles a command (confirmed by the pump's state, or failed after 10 s)
-- as the owner; pending commands of one pump are looked up by device.
create index pump_command_pending_idx on public.pump_command (device_id, at) where confirmed_at is null and failed_at is null;

-- 2. Water levels anyone may read: residents on their home page and visitors of the
--    public flood page. Only what a water-gate board shows: the sensor's name, RT and
--    point on the map, its thresholds, the last level and when, and the level about
--    10 minutes before it (the trend). No person, house or device health.
create function app.public_water_levels(p_rw uuid)
returns table (device_id text, name text, rt_id uuid, rt_number int, lat double precision, lng double precision,
  siaga3_cm real, siaga2_cm real, siaga1_cm real, level_cm real, level_at timestamptz, earlier_cm real, earlier_at timestamptz)
language sql stable security definer set search_path = public, pg_temp
as $$
    select d.id, d.name, d.rt_id, rt.number::int, d.lat, d.lng, d.siaga3_cm, d.siaga2_cm, d.siaga1_cm,
           last.level_cm, last.ts, earlier.level_cm, earlier.ts
      from public.device d
      left join public.rt on rt.id = d.rt_id
      left join lateral (
        -- From the minute rollups (PK device, bucket), kept within a second of the readings.
        select m.bucket, m.last_cm as level_cm, m.last_ts as ts from public.reading_minute m
         where m.device_id = d.id order by m.bucket desc limit 1
      ) last on true
      left join lateral (
        -- The oldest minute of the 10 minutes before the last one.
        select m.last_cm as level_cm, m.last_ts as ts from public.reading_minute m
         where m.device_id = d.id and m.bucket >= last.bucket - interval '10 minutes' and m.bucket < last.bucket
         order by m.bucket asc limit 1
      ) earlier on true
     where d.rw_id = p_rw and d.kind = 'sensor' and d.disabled_at is null
     order by rt.number nulls last, d.name
$$;

-- Where an RT's houses are (their mean point): to find the sensor nearest to an RT
-- that has none of its own. One point per RT, no house.
create function app.rt_centre(p_rt uuid)
returns table (lat double precision, lng double precision)
language sql stable security definer set search_path = public, pg_temp
as $$
  select avg(h.lat), avg(h.lng) from public.house h where h.rt_id = p_rt and h.lat is not null and h.lng is not null
$$;

revoke all on function app.public_water_levels(uuid), app.rt_centre(uuid) from public;
grant execute on function app.public_water_levels(uuid), app.rt_centre(uuid) to anon, authenticated;
