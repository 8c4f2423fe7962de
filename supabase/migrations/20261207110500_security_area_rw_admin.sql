-- The RW admin also stands in at the security post (the alarm dashboard): the area
-- /security is theirs too. Acknowledging alarms was already theirs (alarms.acknowledge).
insert into app.permission (action, role, scope) values ('area.security', 'rw_admin', 'rw');
