#!/usr/bin/env bash
# Runs every test of the solution on a fresh Debian machine with the .NET 10 SDK.
# The cluster tests start real r2ec processes on 127.0.0.1 (Akka.Cluster); no system service or package is needed.
# TRX results land in $R2EC_TEST_RESULTS (default: TestResults/) for .ci/run to count.
set -euo pipefail
cd "$(dirname "$0")/.."

results="${R2EC_TEST_RESULTS:-TestResults}"
rm -rf "$results"
dotnet build R2ec.Distributed.sln -c Release
dotnet test R2ec.Distributed.sln -c Release --no-build \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" "$@"
