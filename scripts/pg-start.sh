#!/usr/bin/env bash
# Starts a local PostgreSQL cluster for the test suites and prints the
# TEST_DATABASE_URL to use. Idempotent: safe to run when the cluster already
# exists or is already running. Debian/Ubuntu (postgresql-common), run as root.
set -euo pipefail

PORT="${PGPORT:-5432}"
ROLE="${PG_TEST_ROLE:-todo}"
PASSWORD="${PG_TEST_PASSWORD:-todo}"

if [[ $(id -u) -ne 0 ]]; then
    echo "pg-start.sh: run as root (it manages the cluster as the postgres user)" >&2
    exit 1
fi

if [[ ! -d /usr/lib/postgresql ]]; then
    echo "pg-start.sh: PostgreSQL is not installed; try: apt-get install -y postgresql" >&2
    exit 1
fi

# The newest installed major version, e.g. 15.
VERSION="${PG_VERSION:-$(ls /usr/lib/postgresql | sort -n | tail -n 1)}"
if [[ -z "$VERSION" ]]; then
    echo "pg-start.sh: no server under /usr/lib/postgresql" >&2
    exit 1
fi

if ! pg_lsclusters -h | awk -v v="$VERSION" '$1 == v && $2 == "main"' | grep -q .; then
    echo "creating cluster $VERSION/main on port $PORT"
    pg_createcluster "$VERSION" main --port "$PORT" >/dev/null
fi

status=$(pg_lsclusters -h | awk -v v="$VERSION" '$1 == v && $2 == "main" { print $4 }')
if [[ "$status" != online* ]]; then
    echo "starting cluster $VERSION/main"
    pg_ctlcluster "$VERSION" main start
fi

# Wait until the server accepts connections (at most ~15 s).
wait_ready() {
    for _ in $(seq 1 30); do
        if runuser -u postgres -- pg_isready -q -p "$PORT"; then
            return 0
        fi
        sleep 0.5
    done
    echo "pg-start.sh: the server did not come up; see /var/log/postgresql/" >&2
    exit 1
}
wait_ready

# `make bench` counts statements per turn with pg_stat_statements, which is
# loaded at server start: add it to shared_preload_libraries (keeping what is
# there) and restart once; later runs find it loaded and do not restart.
libs=$(runuser -u postgres -- psql -XAtq -p "$PORT" -c 'SHOW shared_preload_libraries')
if [[ ",${libs// /}," != *,pg_stat_statements,* ]]; then
    echo "loading pg_stat_statements (restarts the cluster once)"
    runuser -u postgres -- psql -q -p "$PORT" -v ON_ERROR_STOP=1 \
        -v libs="${libs:+$libs,}pg_stat_statements" <<'SQL' >/dev/null
ALTER SYSTEM SET shared_preload_libraries = :'libs';
SQL
    pg_ctlcluster "$VERSION" main restart
    wait_ready
fi
runuser -u postgres -- psql -q -p "$PORT" -v ON_ERROR_STOP=1 \
    -c 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements' >/dev/null

# The test role clones a migrated template database per test, so it needs
# CREATEDB; it owns those databases, so it can drop them too. CREATEROLE: the
# database-roles test creates (and drops) its own auth and app roles.
runuser -u postgres -- psql -q -p "$PORT" -v ON_ERROR_STOP=1 \
    -v role="$ROLE" -v password="$PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I', :'role')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN CREATEDB CREATEROLE PASSWORD %L', :'role', :'password') \gexec
SQL

# A throwaway test cluster: trade crash safety for speed (each test creates
# and drops a database). PG_TEST_DURABLE=1 keeps the defaults.
if [[ "${PG_TEST_DURABLE:-0}" != 1 ]]; then
    runuser -u postgres -- psql -q -p "$PORT" -v ON_ERROR_STOP=1 <<'SQL' >/dev/null
ALTER SYSTEM SET fsync = off;
ALTER SYSTEM SET synchronous_commit = off;
ALTER SYSTEM SET full_page_writes = off;
SELECT pg_reload_conf();
SQL
fi

echo "PostgreSQL $VERSION is running on 127.0.0.1:$PORT"
echo "TEST_DATABASE_URL=postgres://$ROLE:$PASSWORD@127.0.0.1:$PORT/postgres"
