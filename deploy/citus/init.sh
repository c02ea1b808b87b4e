#!/bin/sh
# One shot, as the superuser, once every node is up: what a managed Citus's provider (or an
# operator) does once before Groundwork migrates, as in ../../README.md, "Scaling out".
# Safe to run again.
set -eu
DB=${POSTGRES_DB:-groundwork}
OWNER=${GROUNDWORK_OWNER:-groundwork}
COORDINATOR=${COORDINATOR:-citus-coordinator}
WORKERS=${WORKERS:-citus-worker-1 citus-worker-2}
run() { psql -v ON_ERROR_STOP=1 -q -h "$1" -U "${POSTGRES_USER:-postgres}" -d "$DB" -c "$2"; }

# The owner on every node (not a superuser), owning the database and allowed to create in
# public, before the workers join: Citus then treats the role as already distributed.
for node in $COORDINATOR $WORKERS; do
  run "$node" "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$OWNER') THEN
               CREATE ROLE $OWNER LOGIN CREATEROLE PASSWORD '${GROUNDWORK_OWNER_PASSWORD}'; END IF; END\$\$"
  run "$node" "CREATE EXTENSION IF NOT EXISTS citus"
  run "$node" "ALTER DATABASE $DB OWNER TO $OWNER"
  run "$node" "GRANT CREATE ON SCHEMA public TO $OWNER"
done
run "$COORDINATOR" "SELECT citus_set_coordinator_host('$COORDINATOR', 5432)"
for worker in $WORKERS; do
  run "$COORDINATOR" "SELECT citus_add_node('$worker', 5432) WHERE NOT EXISTS
                      (SELECT FROM pg_dist_node WHERE nodename = '$worker')"
done
# The extensions the migrations need (vector is not trusted: the owner could not create it),
# and SET LOCAL forwarded to the shards: the tenant binding depends on it.
run "$COORDINATOR" "CREATE EXTENSION IF NOT EXISTS pg_trgm"
run "$COORDINATOR" "CREATE EXTENSION IF NOT EXISTS vector"
run "$COORDINATOR" "ALTER DATABASE $DB SET citus.propagate_set_commands = 'local'"
echo "citus cluster ready: $COORDINATOR with $WORKERS"
