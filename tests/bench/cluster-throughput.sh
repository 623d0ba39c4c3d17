#!/usr/bin/env bash
# RecPO throughput of one job run two ways on this machine, for docs/benchmarks.md:
#   1. `r2ec train` with 2 rollout-worker actors in one process;
#   2. `r2ec node` on Akka.Cluster: a learner+coordinator+reward process (the seed) and 2 rollout processes
#      (1 worker each) on free loopback ports, blobs over the learner's HTTP data plane.
# Same configuration (cluster-config/cluster.json without the warm-up stages, 40 RecPO steps), same seed.
# Usage: bash tests/bench/cluster-throughput.sh [--set Key=value ...]   (after `dotnet build src/R2ec.Cli -c Release`)
#   Extra settings apply to both runs (e.g. --set Learner:MaxStaleness=1 for pipelined rollouts).
set -euo pipefail
cd "$(dirname "$0")/../.."
r2ec=(dotnet src/R2ec.Cli/bin/Release/net10.0/r2ec.dll)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
seed=$(free_port)

export R2EC_BLOB_TOKEN=bench-token
common=(--config cluster-config/cluster.json --set Stages:LmWarmupSteps=0 --set Stages:RecWarmupSteps=0
        --set Run:OutputDirectory="$work/runs" --set Logging:Format=Json --set Data:EvalUsers=50 "$@")
"${r2ec[@]}" train "${common[@]}" --set Rollout:Workers=2 --set Run:Name=one-process > /dev/null 2> "$work/one.err"

cluster=("${common[@]}" --set Cluster:LearnerNode=learner-0 --set Cluster:RewardNode=learner-0
         --set Cluster:RemotingHost=127.0.0.1 --set Cluster:PublicHostname=127.0.0.1 --set Cluster:Seeds="127.0.0.1:$seed"
         --set Cluster:BlobListen=http://127.0.0.1:0 --set Cluster:BlobAdvertise= --set Cluster:EndpointsListen=http://127.0.0.1:0
         --set Rollout:Workers=1 --set Run:Name=cluster)
for i in 0 1; do "${r2ec[@]}" node --role rollout --node "rollout-$i" "${cluster[@]}" --set Cluster:RemotingPort=0 > /dev/null 2> "$work/rollout-$i.err" & done
"${r2ec[@]}" node --role coordinator,learner,reward --node learner-0 "${cluster[@]}" --set Cluster:RemotingPort="$seed" > /dev/null 2> "$work/cluster.err"
wait

for run in one-process cluster; do
  echo "== $run"
  sed -n '/RecPO throughput/,/orchestration overhead/p' "$work/runs/$run/report.md"
  # Mean idle ratio of each role over the RecPO steps (StepMetrics), and the largest version lag of a group.
  python3 - "$work/runs/$run/metrics.jsonl" <<'PY'
import json, sys
steps = [json.loads(l)["metrics"] for l in open(sys.argv[1]) if l.startswith('{"stage":"recpo"')]
mean = lambda k: sum(s.get(k, 0) for s in steps) / max(1, len(steps))
print(f"idle ratio: rollout {mean('rolloutIdleRatio'):.3f}, reward {mean('rewardIdleRatio'):.3f}, learner {mean('learnerIdleRatio'):.3f}; "
      f"max version lag {max(int(s.get('maxVersionLag', 0)) for s in steps)}")
PY
done
