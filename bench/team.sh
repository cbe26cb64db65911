#!/usr/bin/env bash
# Put/get throughput of the team setup (PostgreSQL catalog + S3Proxy on loopback) beside the local
# store, on the S1 checkpoints, in one warm JVM. Needs a PostgreSQL: MODELSTASH_TEST_POSTGRES, or
# the throwaway one scripts/dev-postgres.sh starts. Writes bench/out/team.json; bench/report.py
# puts it into docs/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
src=${1:-bench/out/S1}
[ -d "$src" ] || { echo "team.sh: no checkpoints in $src (run bench/run.sh first)" >&2; exit 2; }
if [ -z "${MODELSTASH_TEST_POSTGRES:-}" ]; then
  eval "$(scripts/dev-postgres.sh start)"
fi
./mvnw -q -B -DskipTests -Dspotless.check.skip=true install -pl modelstash-cli -am >/dev/null
./mvnw -q -B -pl modelstash-cli dependency:build-classpath \
  -Dmdep.outputFile="$PWD/bench/out/team-classpath.txt" >/dev/null
work=$(mktemp -d /tmp/modelstash-team-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
java -cp "modelstash-cli/target/test-classes:modelstash-cli/target/classes:$(cat bench/out/team-classpath.txt)" \
  io.modelstash.cli.TeamStoreBenchmark "$src" "$work" bench/out/team.json
