-- Public water levels show the Siaga level the alarm engine holds, as the security
-- post does (docs/domain.md, "Flood monitoring"; docs/architecture.md, "Alarms"): the
-- level of the sensor's active flood alarm, else normal; the reading's own level only
-- while the sensor is silenced (it raises no alarm then). One reading over a threshold
-- is not yet a level (median filter, hold time), and a reading that dips below one
-- does not end an alarm. The rule itself is applied by the server (heldSiaga in
-- src/lib/domain/flood.ts); this function gives it what it needs: the active flood
-- alarm's level and whether the sensor is silenced. Still nothing about a person, a
-- house or the device's health.
drop function app.public_water_levels(uuid);

create function app.public_water_levels(p_rw uuid)
returns table (device_id text, name text, rt_id uuid, rt_number int, lat double precision, lng double precision,
  siaga3_cm real, siaga2_cm real, siaga1_cm real, level_cm real, level_at timestamptz, earlier_cm real, earlier_at timestamptz,
  alarm_siaga smallint, silenced boolean)
language sql stable security definer set search_path = public, pg_temp
as $$
    select d.id, d.name, d.rt_id, rt.number::int, d.lat, d.lng, d.siaga3_cm, d.siaga2_cm, d.siaga1_cm,
           last.level_cm, last.ts, earlier.level_cm, earlier.ts,
           -- One active alarm per (device, type): alarm_one_active_idx.
           (select a.siaga from public.alarm a where a.device_id = d.id and a.type = 'flood_level' and a.cleared_at is null),
           coalesce(d.silenced_until > now(), false)
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

revoke all on function app.public_water_levels(uuid) from public;
grant execute on function app.public_water_levels(uuid) to anon, authenticated;
