-- RT heads read the security post (the alarm dashboard) for their RW: alarms, map,
-- levels and device health. They read alarms already (alarms.read); acknowledging and
-- pump commands stay the officers' and the RW admin's (alarms.acknowledge, pumps.command).
insert into app.permission (action, role, scope) values ('area.security', 'rt_head', 'rw');
