#!/usr/bin/env bash
# Runs every test of the solution on a fresh Debian machine with the .NET 10 SDK.
# Installs the Debian packages the tests need when they are missing, then runs `dotnet test`.
# TRX results land in $R2EC_TEST_RESULTS (default: TestResults/) for .ci/run to count.
set -euo pipefail
cd "$(dirname "$0")/.."

# rabbitmq-server: the cluster tests start private broker nodes from it (never the system service).
packages=(rabbitmq-server)
need=()
for pkg in "${packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need[*]}"
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need[@]}"
fi

results="${R2EC_TEST_RESULTS:-TestResults}"
rm -rf "$results"
dotnet build R2ec.Distributed.sln -c Release
dotnet test R2ec.Distributed.sln -c Release --no-build \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" "$@"
