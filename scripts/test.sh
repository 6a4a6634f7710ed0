#!/usr/bin/env bash
# Runs every test on a fresh Debian machine: installs what the tests need (RabbitMQ, PostgreSQL, docker-compose, Chromium, netcat, jq and npm from Debian's packages),
# builds the solution once and runs all test projects. The real-broker tests start their own private RabbitMQ
# node; they never skip. The last line is the summary: "tests: N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
apt_updated=""
apt_install() {
  [ -n "$apt_updated" ] || { $SUDO apt-get update -qq; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

if ! command -v rabbitmq-server >/dev/null 2>&1 && [ ! -x /usr/sbin/rabbitmq-server ]; then
  echo "Installing RabbitMQ (Debian's rabbitmq-server)..."
  apt_install rabbitmq-server
  # The package starts the system node; the tests run their own, so stop it if it was started.
  $SUDO service rabbitmq-server stop >/dev/null 2>&1 || true
fi

# The PostgreSQL store's tests (the store acceptance suite, two hub replicas) start a private temporary cluster
# from Debian's server binaries (initdb, pg_ctl; run as the postgres user when the tests run as root).
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
  echo "Installing PostgreSQL (Debian's postgresql)..."
  apt_install postgresql
  # The package starts the system cluster; the tests run their own, so stop it if it was started.
  $SUDO service postgresql stop >/dev/null 2>&1 || true
fi

# The deployment tests validate compose/docker-compose.yml with docker-compose (no Docker engine needed).
if ! command -v docker-compose >/dev/null 2>&1; then
  echo "Installing docker-compose (Debian's docker-compose, to validate compose/)..."
  apt_install docker-compose
fi

# The doc-test runs every documented command as written: `nc` (Debian's netcat-openbsd) for MLLP, `jq`, and `npx`
# for `buf curl` (the gRPC client the docs use) and `buf lint`.
for tool in nc:netcat-openbsd jq:jq npx:npm; do
  if ! command -v "${tool%%:*}" >/dev/null 2>&1; then
    echo "Installing ${tool#*:} (for the documented commands)..."
    apt_install "${tool#*:}"
  fi
done

# The dashboard tests drive Debian's Chromium headless through Playwright (Playwright's own browser download does
# not work on these machines).
if [ ! -x /usr/bin/chromium ]; then
  echo "Installing Chromium (Debian's chromium)..."
  apt_install chromium
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
dotnet build EscalationHub.sln -c Release -nologo -v quiet
set +e
dotnet test EscalationHub.sln -c Release --no-build --nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# The benchmark harness is not part of the timed suite; a smoke run keeps it working.
echo "Benchmark smoke run (tests/EscalationHub.Benchmarks --smoke):"
dotnet run -c Release --no-build --project tests/EscalationHub.Benchmarks -- --smoke || { echo "the benchmark smoke run failed"; status=1; }

# One closing line for the whole suite, summed over every test assembly's summary line
# ("Passed!  - Failed:     0, Passed:    14, Skipped:     0, Total:    14, ...").
awk '/(Passed|Failed)! +- Failed: /{
  for (i = 1; i <= NF; i++) { gsub(",", "", $(i+1)); if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
} END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
grep -qE '(Passed|Failed)! +- Failed: ' "$log" || { echo "no test summary found: the test run did not complete"; status=1; }
exit $status
