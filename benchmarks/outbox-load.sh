#!/usr/bin/env bash
# The durable outbox's end-to-end load harness at full size (docs/benchmarks.md, "Durable outbox: end to end"):
# the in-memory queue, the SQLite outbox and the PostgreSQL outbox (1 and 2 nodes) against one do-nothing Kestrel
# receiver on 127.0.0.1, all in one run, then enqueue rates, latency, the database-only drain and store sizes.
# Prints the markdown tables on stdout; the test log goes to stderr. About 5 to 10 minutes on a quiet 2-core machine.
# Needs PostgreSQL 15 in /usr/lib/postgresql/15/bin (or POSTBACK_PG_BIN / POSTBACK_PG_CONNECTION, see docs/postgresql.md).
#
# Usage: benchmarks/outbox-load.sh [--no-build]
# POSTBACK_LOAD_POSTBACKS=20000 scales the run down (postbacks per side) when the machine is too busy for the full one.
set -euo pipefail
cd "$(dirname "$0")/.."

project=tests/Postback.Outbox.PostgreSql.Tests
if [[ "${1:-}" != "--no-build" ]]; then
  dotnet build "$project" -c Release -nologo -v q >&2
fi

report="$(mktemp)"
trap 'rm -f "$report"' EXIT
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
POSTBACK_LOAD=1 POSTBACK_LOAD_REPORT="$report" \
  dotnet test "$project" -c Release --no-build -nologo \
  --filter "FullyQualifiedName~OutboxLoadTests.Full_outbox_load_harness" >&2
cat "$report"
