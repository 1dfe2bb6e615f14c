#!/bin/sh
# A login role that can only read the findings store, for Grafana (docker/grafana). Runs once, when
# the Postgres volume is created, after 10-dq-monitor-db.sql. The tables are created later by the
# code location's migrations (as $POSTGRES_USER), so default privileges grant SELECT on them too.
set -eu
: "${DQ_MONITOR_READER_USER:=dq_monitor_reader}"
: "${DQ_MONITOR_DB:=dq_monitor}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$DQ_MONITOR_DB" \
  -v reader="$DQ_MONITOR_READER_USER" -v password="$DQ_MONITOR_READER_PASSWORD" \
  -v owner="$POSTGRES_USER" -v db="$DQ_MONITOR_DB" <<'SQL'
CREATE ROLE :"reader" LOGIN PASSWORD :'password' NOSUPERUSER NOCREATEDB NOCREATEROLE;
ALTER ROLE :"reader" SET default_transaction_read_only = on;
GRANT CONNECT ON DATABASE :"db" TO :"reader";
GRANT USAGE ON SCHEMA public TO :"reader";
GRANT SELECT ON ALL TABLES IN SCHEMA public TO :"reader";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT SELECT ON TABLES TO :"reader";
SQL
