#!/usr/bin/env bash
# RecPO throughput of one job run two ways on this machine, for docs/benchmarks.md:
#   1. `r2ec train` with 2 rollout-worker actors in one process;
#   2. `r2ec node`: a learner+coordinator+reward process and 2 rollout processes (1 worker each) over a private
#      RabbitMQ broker started here on free loopback ports (needs the Debian package rabbitmq-server).
# Same configuration (cluster-config/cluster.json without the warm-up stages, 40 RecPO steps), same seed.
# Usage: bash tests/bench/cluster-throughput.sh   (after `dotnet build src/R2ec.Cli -c Release`)
set -euo pipefail
cd "$(dirname "$0")/../.."
r2ec=(dotnet src/R2ec.Cli/bin/Release/net10.0/r2ec.dll)
work=$(mktemp -d)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
amqp=$(free_port)

# A private broker: its own HOME (Erlang cookie), node name, ports and data directory.
broker="$work/broker"; mkdir -p "$broker"
echo "[]." > "$broker/enabled_plugins"
printf 'listeners.tcp.default = 127.0.0.1:%s\nloopback_users = none\n' "$amqp" > "$broker/rabbitmq.conf"
env HOME="$broker" RABBITMQ_NODENAME="bench$amqp@localhost" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$amqp" \
  RABBITMQ_DIST_PORT="$(free_port)" ERL_EPMD_PORT="$(free_port)" RABBITMQ_MNESIA_BASE="$broker/mnesia" \
  RABBITMQ_LOG_BASE="$broker/log" RABBITMQ_CONFIG_FILE="$broker/rabbitmq" RABBITMQ_ENABLED_PLUGINS_FILE="$broker/enabled_plugins" \
  RABBITMQ_PID_FILE="$broker/rabbitmq.pid" /usr/lib/rabbitmq/bin/rabbitmq-server > "$broker/out.log" 2>&1 &
broker_pid=$!
trap 'kill $broker_pid 2>/dev/null || true; pkill -P $broker_pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 120); do (echo > "/dev/tcp/127.0.0.1/$amqp") 2>/dev/null && break; sleep 0.5; done

export R2EC_BLOB_TOKEN=bench-token
common=(--config cluster-config/cluster.json --set Stages:LmWarmupSteps=0 --set Stages:RecWarmupSteps=0
        --set Run:OutputDirectory="$work/runs" --set Logging:Format=Json --set Data:EvalUsers=50)
"${r2ec[@]}" train "${common[@]}" --set Rollout:Workers=2 --set Run:Name=one-process > /dev/null 2> "$work/one.err"

cluster=("${common[@]}" --set Cluster:BrokerHost=127.0.0.1 --set Cluster:BrokerPort="$amqp" --set Cluster:Job=bench
         --set Cluster:LearnerNode=learner-0 --set Cluster:RewardNode=learner-0 --set Cluster:BlobListen=http://127.0.0.1:0
         --set Cluster:BlobAdvertise= --set Cluster:EndpointsListen=http://127.0.0.1:0 --set Rollout:Workers=1 --set Run:Name=cluster)
for i in 0 1; do "${r2ec[@]}" node --role rollout --node "rollout-$i" "${cluster[@]}" > /dev/null 2> "$work/rollout-$i.err" & done
"${r2ec[@]}" node --role coordinator,learner,reward --node learner-0 "${cluster[@]}" > /dev/null 2> "$work/cluster.err"
wait $(jobs -p | grep -v "^$broker_pid$") 2>/dev/null || true

for run in one-process cluster; do
  echo "== $run"
  sed -n '/RecPO throughput/,/orchestration overhead/p' "$work/runs/$run/report.md"
done
