#!/usr/bin/env bash
# Time from a `kill -9` of a rollout node to its re-queued request being taken by another worker, for docs/benchmarks.md.
# Starts a learner+coordinator+reward process and 2 rollout processes on Akka.Cluster (free loopback ports; the job of
# cluster-config/cluster.json without warm-up stages), kills rollout-0 the moment it logs a rollout request of RecPO
# step 3, and prints, from the structured logs: kill -> UnreachableMember, MemberRemoved, "Re-queued" (the
# coordinator's Terminated), and the re-queued request taken by rollout-1 (its request line marked Redelivered).
# Usage: bash tests/bench/requeue-latency.sh   (after `dotnet build src/R2ec.Cli -c Release`)
set -euo pipefail
cd "$(dirname "$0")/../.."
r2ec=(dotnet src/R2ec.Cli/bin/Release/net10.0/r2ec.dll)
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
seed=$(free_port)

export R2EC_BLOB_TOKEN=bench-token
cluster=(--config cluster-config/cluster.json --set Stages:LmWarmupSteps=0 --set Stages:RecWarmupSteps=0 --set Stages:RecPOSteps=8
         --set Run:OutputDirectory="$work/runs" --set Logging:Format=Json --set Data:EvalUsers=20
         --set Cluster:LearnerNode=learner-0 --set Cluster:RewardNode=learner-0
         --set Cluster:RemotingHost=127.0.0.1 --set Cluster:PublicHostname=127.0.0.1 --set Cluster:Seeds="127.0.0.1:$seed"
         --set Cluster:BlobListen=http://127.0.0.1:0 --set Cluster:BlobAdvertise= --set Cluster:EndpointsListen=http://127.0.0.1:0
         --set Rollout:Workers=1 --set Run:Name=cluster)
"${r2ec[@]}" node --role coordinator,learner,reward --node learner-0 "${cluster[@]}" --set Cluster:RemotingPort="$seed" > /dev/null 2> "$work/learner.err" &
pids+=($!); learner=$!
for i in 0 1; do
  "${r2ec[@]}" node --role rollout --node "rollout-$i" "${cluster[@]}" --set Cluster:RemotingPort=0 --set Logging:MinimumLevel=Debug > /dev/null 2> "$work/rollout-$i.err" &
  pids+=($!); eval "rollout$i=$!"
done

# rollout-0's first request of step 3 (0-based), then SIGKILL at once.
until grep -q '"@mt":"Rollout request: step.*"Step":[3-9]' "$work/rollout-0.err" 2>/dev/null; do sleep 0.05; done
kill -9 "$rollout0"; killed=$(date -u +%s.%N)
{ wait "$rollout0"; } 2>/dev/null || true
wait "$learner" || true

python3 - "$work" "$killed" <<'PY'
import json, sys
work, killed = sys.argv[1], float(sys.argv[2])
from datetime import datetime
def t(e): return datetime.fromisoformat(e["@t"].replace("Z", "+00:00")).timestamp()
def events(f): return [json.loads(l) for l in open(f) if l.startswith("{")]
learner = events(f"{work}/learner.err")
victim = next(e for e in events(f"{work}/rollout-0.err") if e.get("@mt", "").startswith("Rollout request: step") and e["Step"] >= 3)
address = next(e["Member"] for e in events(f"{work}/rollout-0.err") if e.get("@mt", "").startswith("Cluster member {Member}"))
def first(pred, what):
    e = next((e for e in learner if pred(e)), None)
    print(f"kill -> {what}: " + ("not seen" if e is None else f"{t(e) - killed:.1f} s"))
    return e
first(lambda e: e.get("ClusterEvent") == "UnreachableMember" and e.get("Member") == address, "UnreachableMember")
first(lambda e: e.get("ClusterEvent") == "MemberRemoved" and e.get("Member") == address, "MemberRemoved")
requeued = first(lambda e: e.get("@mt", "").startswith("Re-queued the request") and e.get("Worker", "").startswith(address), "re-queued (Terminated)")
if requeued:
    samples = requeued["Samples"]
    taken = next((e for e in events(f"{work}/rollout-1.err") if e.get("@mt", "").startswith("Rollout request: step")
                  and e.get("Redelivered") is True and e["Samples"] == samples), None)
    print("kill -> re-queued request taken by rollout-1: " + ("not seen" if taken is None else f"{t(taken) - killed:.1f} s"))
print(f"(killed holding step {victim['Step']}, samples {victim['Samples']})")
PY
