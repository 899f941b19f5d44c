-- Separate database roles for the todo chart (database.roles=separate):
--   auth role (default todo_auth): Better Auth's tables (user, session, account,
--     verification, jwks, rateLimit); the frontend migrates and uses them.
--   app role (default todo_app): the tasks' tables (tasks, conversations,
--     messages, tool_call_keys); the migration Job, the chat server and the MCP sidecar.
-- Each role owns the tables it creates, and nothing grants it the other's, so
-- the app role gets "permission denied" on Better Auth's session table.
--
-- Run with psql 15+ as the database's owner (or a superuser), connected to the
-- application's database; passwords come from the environment, never argv:
--   TODO_AUTH_DB_PASSWORD=... TODO_APP_DB_PASSWORD=... \
--   psql "$OWNER_URL" -v ON_ERROR_STOP=1 [-v auth_role=todo_auth] [-v app_role=todo_app] \
--     -f k8s/helm/todo/files/database-roles.sql
-- A missing role is created (its password variable is then required); a given
-- password is (re)set. Safe to run again. Tables a single-role install left
-- behind are handed over to their role. Ends by checking the separation and
-- fails (exit 3) when it does not hold.
\set ON_ERROR_STOP on
\set QUIET on
\if :{?auth_role}
\else
\set auth_role todo_auth
\endif
\if :{?app_role}
\else
\set app_role todo_app
\endif
\getenv auth_password TODO_AUTH_DB_PASSWORD
\getenv app_password TODO_APP_DB_PASSWORD

-- Failures are plpgsql exceptions with a message (ON_ERROR_STOP: exit 3).
SELECT 'DO $f$ BEGIN RAISE EXCEPTION ''auth_role and app_role must differ''; END $f$'
WHERE :'auth_role' = :'app_role' \gexec

-- 1. The login roles.
\if :{?auth_password}
SELECT format('CREATE ROLE %I LOGIN', :'auth_role')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'auth_role') \gexec
SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', :'auth_role', :'auth_password') \gexec
\endif
\if :{?app_password}
SELECT format('CREATE ROLE %I LOGIN', :'app_role')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app_role') \gexec
SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', :'app_role', :'app_password') \gexec
\endif
SELECT format('DO $f$ BEGIN RAISE EXCEPTION %L; END $f$',
              format('role %s does not exist: set %s to create it', r.name, r.env))
FROM (VALUES (:'auth_role', 'TODO_AUTH_DB_PASSWORD'), (:'app_role', 'TODO_APP_DB_PASSWORD')) r(name, env)
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r.name) \gexec

-- 2. Both connect and create their own tables in schema public; nobody else
--    creates there (the default before PostgreSQL 15).
SELECT format('GRANT CONNECT ON DATABASE %I TO %I, %I', current_database(), :'auth_role', :'app_role') \gexec
SELECT format('GRANT USAGE, CREATE ON SCHEMA public TO %I, %I', :'auth_role', :'app_role') \gexec
SET client_min_messages = error;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
RESET client_min_messages;

-- 3. Hand over what a single-role install created: Better Auth's tables to the
--    auth role, the tasks' to the app role (ALTER ... OWNER needs membership
--    in the new owner, granted to the role running this script only then).
CREATE TEMP TABLE handover (relname text, owner text, kind char);
INSERT INTO handover
SELECT c.relname, r.role, c.relkind
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
JOIN (VALUES ('user', :'auth_role'), ('session', :'auth_role'), ('account', :'auth_role'),
             ('verification', :'auth_role'), ('jwks', :'auth_role'), ('rateLimit', :'auth_role'),
             ('tasks', :'app_role'), ('conversations', :'app_role'), ('messages', :'app_role'),
             ('tool_call_keys', :'app_role'), ('__diesel_schema_migrations', :'app_role')) r(name, role) ON r.name = c.relname
WHERE c.relkind IN ('r', 'p') AND pg_get_userbyid(c.relowner) <> r.role;
INSERT INTO handover
SELECT p.proname, :'app_role', 'f'
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace AND n.nspname = 'public'
WHERE p.proname = 'messages_touch_conversation' AND pg_get_userbyid(p.proowner) <> :'app_role';
SELECT DISTINCT format('GRANT %I TO CURRENT_USER', owner) FROM handover
WHERE NOT pg_has_role(CURRENT_USER, owner, 'MEMBER') \gexec
SELECT CASE kind WHEN 'f' THEN format('ALTER FUNCTION public.%I() OWNER TO %I', relname, owner)
                 ELSE format('ALTER TABLE public.%I OWNER TO %I', relname, owner) END
FROM handover \gexec
SELECT count(*) > 0 AS any_handed_over, count(*) AS handed_over FROM handover \gset
\if :any_handed_over
\echo 'handed over' :handed_over 'object(s) of a single-role install'
\endif

-- 4. Check the separation; any line here fails the script.
SELECT format('DO $f$ BEGIN RAISE EXCEPTION %L; END $f$', problem)
FROM (
  SELECT format('role %s is a superuser or bypasses row security', rolname) AS problem
  FROM pg_roles WHERE rolname IN (:'auth_role', :'app_role') AND (rolsuper OR rolbypassrls)
  UNION ALL
  -- Neon gives roles made in its console neon_superuser, which reads every table.
  SELECT format('role %s can read every table (member of %s): create it with SQL, not in a console',
                r.name, g.rolname)
  FROM (VALUES (:'auth_role'), (:'app_role')) r(name)
  JOIN pg_roles g ON g.rolname IN ('pg_read_all_data', 'pg_write_all_data', 'neon_superuser')
  WHERE pg_has_role(r.name, g.oid, 'MEMBER')
  UNION ALL
  SELECT format('role %s is a member of %s', a, b)
  FROM (VALUES (:'auth_role', :'app_role'), (:'app_role', :'auth_role')) m(a, b)
  WHERE pg_has_role(a, b, 'MEMBER')
  UNION ALL
  SELECT format('role %s cannot connect to %s or create tables in schema public (run this as the database owner)',
                r.name, current_database())
  FROM (VALUES (:'auth_role'), (:'app_role')) r(name)
  WHERE NOT (has_database_privilege(r.name, current_database(), 'CONNECT')
             AND has_schema_privilege(r.name, 'public', 'USAGE, CREATE'))
  UNION ALL
  SELECT format('role %s may use table %s, which belongs to the other role', r.other, c.relname)
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
  JOIN (VALUES ('user', :'app_role'), ('session', :'app_role'), ('account', :'app_role'),
               ('verification', :'app_role'), ('jwks', :'app_role'), ('rateLimit', :'app_role'),
               ('tasks', :'auth_role'), ('conversations', :'auth_role'), ('messages', :'auth_role'),
               ('tool_call_keys', :'auth_role'))
       r(name, other) ON r.name = c.relname
  WHERE c.relkind IN ('r', 'p')
    AND has_table_privilege(r.other, c.oid, 'SELECT, INSERT, UPDATE, DELETE')
) p \gexec
\echo 'database roles ready:' :auth_role '(Better Auth),' :app_role '(tasks)'
