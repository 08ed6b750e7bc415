-- The least-privileged application role, and what it may do so far.
-- Migrations run as the schema owner; encuentrod's RPC traffic runs as encuentro_app, which gets
-- exactly the privileges each later migration grants it, table by table. In particular it never
-- gets UPDATE or DELETE on append-only tables such as the audit log.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'encuentro_app') THEN
    CREATE ROLE encuentro_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
  END IF;
END
$$;

-- Lets an owner that connects with a single URL (an external database) switch to the
-- application role for RPC traffic.
GRANT encuentro_app TO CURRENT_USER;

REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO encuentro_app;

REVOKE ALL ON schema_migrations FROM PUBLIC;
GRANT SELECT ON schema_migrations TO encuentro_app;
