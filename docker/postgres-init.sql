-- Runs once, when the Postgres volume is created. Services log in as tenantbus_app: not a
-- superuser and not the table owner, so row-level security binds it. tenantbus_system is only
-- entered with SET LOCAL ROLE by asSystem; migrations run as the owner (tenantbus).
create role tenantbus_app login noinherit password 'tenantbus_app';
create role tenantbus_system nologin;
grant tenantbus_system to tenantbus_app;
-- sync-service and usage-service keep their own databases (each one's tenant_state and
-- migrations must not meet another service's); their migrations run as the owner at boot and
-- secure the tables for the roles above. tenant-service uses the default database, tenantbus.
create database tenantbus_sync;
create database tenantbus_usage;
-- Grafana reads usage through this role: select only, granted by the usage-service migrations
-- (DB_REPORTING_ROLE), with its own read policy under row-level security.
create role tenantbus_grafana login password 'tenantbus_grafana';
