#!/usr/bin/env python3
"""Load test of one coordinator against many simulated rollout workers, for docs/benchmarks.md and docs/cluster.md.

Starts, on free loopback ports, a learner+coordinator+reward process (`r2ec node`, the seed) and N rollout processes
with W rollout workers each, all with Engine:Backend=Toy (the toy policy the Training tests use: each group takes
Engine:ToySampleMilliseconds, then G short trajectories), so the real Coordinator -> RewardActor -> Learner path runs
over real Akka.Cluster remoting for a bounded number of RecPO steps. It records, per run:
  - groups/s through the coordinator and request -> accepted group latency p50/p99 (the coordinator's own
    "Coordinator load of step" event per step in the learner's events.jsonl: first dispatch to acceptance);
  - the coordinator's mailbox depth, sampled as it takes each group (same event);
  - peak RSS of every process (/proc/<pid>/status, polled);
  - remoting bytes per group (the serialized groups the rollout nodes sent, from their /metrics counters);
  - with --kill-node: the rollout process killed with SIGKILL mid-step, the time until every request it held was
    re-queued and its group accepted from another worker, and that every (step, sample) group was accepted exactly
    once (the coordinator's accepted-group events).
Prints a table and writes the JSON summary to --json (default: stdout only).

Usage (after `dotnet build R2ec.Distributed.sln -c Release`):
  nice -n 10 python3 tests/bench/cluster-scale.py --nodes 4 --workers 250 --group 64 --steps 5
  nice -n 10 python3 tests/bench/cluster-scale.py --nodes 4 --workers 250 --group 4 --kill-node 0 --kill-step 2
  nice -n 10 python3 tests/bench/cluster-scale.py --matrix 1x1,1x100,2x250,4x250 --groups 4,64 --json scale.json
"""
import argparse, collections, json, os, re, signal, socket, subprocess, sys, tempfile, threading, time, urllib.request
from datetime import datetime

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLI = os.path.join(ROOT, "src", "R2ec.Cli", "bin", "Release", "net10.0", "r2ec.dll")
LOAD = "Coordinator load of step"
ACCEPTED = "Coordinator accepted group of step {Step}, sample {Sample} from {Worker} at policy version {PolicyVersion}"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stamp(e):
    return datetime.fromisoformat(e["@t"].replace("Z", "+00:00")).timestamp()


def json_lines(path):
    if not os.path.exists(path):
        return []
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("{") and line.rstrip().endswith("}"):
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError:
                    pass  # a line cut by the write in progress
    return out


class Tail:
    """The JSON lines appended to a file since the last call (the learner's events.jsonl, read as the job writes it)."""
    def __init__(self, path):
        self.path, self.offset, self.partial = path, 0, ""

    def new(self):
        if not os.path.exists(self.path):
            return []
        with open(self.path, encoding="utf-8", errors="replace") as f:
            f.seek(self.offset)
            text = self.partial + f.read()
            self.offset = f.tell()
        lines = text.split("\n")
        self.partial = lines.pop()
        return [json.loads(l) for l in lines if l.startswith("{")]


def peak_rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def cpu_seconds(pid):
    """User + system CPU seconds of a process so far (/proc/<pid>/stat), None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return None


def scrape(url):
    """Prometheus text of a node's /metrics as {name: value} summed over labels; None when it does not answer."""
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            text = r.read().decode()
    except OSError:
        return None
    values = collections.Counter()
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            values[name.split("{")[0]] += float(value)
    return values


class Node:
    def __init__(self, name, args, work, env):
        self.name = name
        self.err = os.path.join(work, f"{name}.err")
        self.proc = subprocess.Popen(["dotnet", CLI, *args], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                     stderr=open(self.err, "w"), start_new_session=True)
        self.address = self.metrics = None
        self.peak_kib = 0
        self.cpu = 0.0
        self.last_metrics = None

    def announce(self, timeout):
        """Waits for the node's first line: its cluster address and its probe/metrics endpoint."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            for e in json_lines(self.err):
                if e.get("@mt", "").startswith("Cluster member {Member} with roles"):
                    self.address, self.metrics = e["Member"], e["Endpoints"].rstrip("/") + "/metrics"
                    return
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode} before it joined:\n{tail(self.err)}")
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not announce its address within {timeout} s:\n{tail(self.err)}")

    def sample(self):
        if self.proc.poll() is None:
            self.peak_kib = max(self.peak_kib, peak_rss_kib(self.proc.pid) or 0)
            self.cpu = max(self.cpu, cpu_seconds(self.proc.pid) or 0)
            if self.metrics and (m := scrape(self.metrics)) is not None:
                self.last_metrics = m


def tail(path, n=30):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


def run_once(a, nodes, workers, group, work):
    seed = free_port()
    runs = os.path.join(work, "runs")
    total = nodes * workers
    users_per_step = a.users_per_step or max(200, 4 * total)
    settings = {
        "Engine:Backend": "Toy", "Engine:ToySampleMilliseconds": a.sample_ms,
        "Stages:LmWarmupSteps": 0, "Stages:RecWarmupSteps": 0, "Stages:RecPOSteps": a.steps,
        "Data:SyntheticUsers": users_per_step * a.steps + 100, "Data:SyntheticItems": a.items, "Data:EvalUsers": 20,
        "Schedule:EvalInterval": 0, "Schedule:CheckpointInterval": 1000,
        "Learner:UsersPerStep": users_per_step, "Learner:MiniBatchSize": 4096, "Learner:StepDeadlineSeconds": a.deadline,
        "Rollout:GroupSize": group, "Rollout:MaxNewTokens": a.max_new_tokens, "Rollout:Workers": workers,
        "Run:OutputDirectory": runs, "Run:Name": "scale", "Logging:Format": "Json",
        "Cluster:LearnerNode": "learner-0", "Cluster:RewardNode": "learner-0", "Cluster:MinimumRolloutNodes": nodes,
        "Cluster:RemotingHost": "127.0.0.1", "Cluster:PublicHostname": "127.0.0.1", "Cluster:Seeds": f"127.0.0.1:{seed}",
        "Cluster:EndpointsListen": "http://127.0.0.1:0", "Cluster:BlobListen": "http://127.0.0.1:0", "Cluster:BlobAdvertise": "",
        "Cluster:StartTimeoutSeconds": 300, "Cluster:MaximumFrameSizeBytes": a.frame_bytes,
    }
    for kv in a.set:
        k, _, v = kv.partition("=")
        settings[k] = v
    args = ["--config", os.path.join(ROOT, "cluster-config", "cluster.json")]
    for k, v in settings.items():
        args += ["--set", f"{k}={v}"]
    env = dict(os.environ, R2EC_BLOB_TOKEN="scale-bench-token")
    learner = Node("learner-0", ["node", "--role", "coordinator,learner,reward", "--node", "learner-0", *args,
                                 "--set", f"Cluster:RemotingPort={seed}"], work, env)
    procs = [learner]
    try:
        learner.announce(120)
        rollout = [Node(f"rollout-{i}", ["node", "--role", "rollout", "--node", f"rollout-{i}", *args, "--set", "Cluster:RemotingPort=0"], work, env)
                   for i in range(nodes)]
        procs += rollout
        for n in rollout:
            n.announce(120)
        events_path = os.path.join(runs, "scale", "events.jsonl")
        events = Tail(events_path)
        killed = None
        # CPU seconds of every process when step 0's and the last step's load events appear: the steady-state window.
        cpu_at = {}
        deadline = time.time() + a.timeout
        while learner.proc.poll() is None:
            if time.time() > deadline:
                raise RuntimeError(f"the job did not end within {a.timeout} s:\n{tail(learner.err)}")
            for n in procs:
                n.sample()
            loads = [e for e in events.new() if e.get("@mt", "").startswith(LOAD)]
            for e in loads:
                if e["Step"] in (0, a.steps - 1):
                    cpu_at[e["Step"]] = {n.name: n.cpu for n in procs}
            if a.kill_node is not None and killed is None:
                # Step kill_step has started once the load line of the step before it is written; kill a moment later,
                # while the victim's workers hold requests.
                if any(e["Step"] == a.kill_step - 1 for e in loads):
                    time.sleep(a.kill_after)
                    victim = rollout[a.kill_node]
                    victim.sample()
                    os.kill(victim.proc.pid, signal.SIGKILL)
                    killed = (victim, time.time())
            time.sleep(0.5)
        code = learner.proc.wait()
        for n in procs[1:]:
            try:
                n.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                pass
        if code != 0:
            raise RuntimeError(f"learner-0 exited with {code}:\n{tail(learner.err)}")
        return summarize(a, nodes, workers, group, users_per_step, events_path, procs, rollout, killed, cpu_at)
    finally:
        for n in procs:
            if n.proc.poll() is None:
                os.killpg(n.proc.pid, signal.SIGKILL)
                n.proc.wait()


def summarize(a, nodes, workers, group, users_per_step, events_path, procs, rollout, killed, cpu_at):
    events = json_lines(events_path)
    loads = [e for e in events if e.get("@mt", "").startswith(LOAD)]
    accepted = [e for e in events if e.get("@mt") == ACCEPTED]
    counts = collections.Counter((e["Step"], e["Sample"]) for e in accepted)
    per_step = collections.Counter(step for step, _ in counts)
    exactly_once = (all(c == 1 for c in counts.values()) and sorted(per_step) == list(range(a.steps))
                    and all(v == users_per_step for v in per_step.values()))
    # The first step also waits for every worker's first blob fetches; steady state is the steps after it.
    steady = [e for e in loads if e["Step"] >= 1] or loads
    groups = sum(e["Groups"] for e in steady)
    seconds = sum(e["LoadSeconds"] for e in steady)
    sent_bytes = sum((n.last_metrics or {}).get("r2ec_rollout_group_bytes_total", 0) for n in rollout)
    sent_groups = sum((n.last_metrics or {}).get("r2ec_rollout_groups_total", 0) for n in rollout)
    result = {
        "nodes": nodes, "workersPerNode": workers, "workers": nodes * workers, "groupSize": group,
        "sampleMs": a.sample_ms, "usersPerStep": users_per_step, "steps": a.steps,
        "groupsPerSecond": round(groups / seconds, 1) if seconds else 0,
        "latencyP50Ms": round(max(e["LatencyP50Ms"] for e in steady), 1),
        "latencyP99Ms": round(max(e["LatencyP99Ms"] for e in steady), 1),
        "mailboxMean": round(sum(e["MailboxMean"] for e in steady) / len(steady), 1),
        "mailboxMax": max(e["MailboxMax"] for e in steady),
        # The coordinator actor's own time per group, and the share of the rollout phase it was busy: 1 / busy
        # seconds per group is what its one thread could take if nothing else were in the way.
        "coordinatorBusyUsPerGroup": round(1e6 * sum(e["BusySeconds"] for e in steady) / groups, 1) if groups else None,
        "coordinatorBusyShare": round(sum(e["BusySeconds"] for e in steady) / seconds, 3) if seconds else None,
        # The same in the coordinator thread's CPU time (wall-clock busy time on a loaded machine includes waits for a core).
        "coordinatorCpuUsPerGroup": round(1e6 * sum(e["BusyCpuSeconds"] for e in steady) / groups, 1) if groups else None,
        "bytesPerGroup": round(sent_bytes / sent_groups) if sent_groups else None,
        "peakRssMiB": {n.name: round(n.peak_kib / 1024) for n in procs},
        # CPU seconds of each process over the whole run (start-up included), the profile by role.
        "cpuSeconds": {n.name: round(n.cpu, 1) for n in procs},
        # CPU milliseconds per group of steps 1.. (between the load events of step 0 and of the last step, polled every
        # 0.5 s): the learner's node (coordinator, reward, learner, remoting) and all rollout nodes together.
        "steadyCpuMsPerGroup": steady_cpu(cpu_at, steady, a.steps),
        "perStep": [{k: e[k] for k in ("Step", "Groups", "LoadSeconds", "GroupsPerSecond", "LatencyP50Ms", "LatencyP99Ms", "MailboxMean", "MailboxMax", "BusySeconds", "BusyCpuSeconds", "Workers")}
                    for e in loads],
        "acceptedExactlyOnce": exactly_once,
        "acceptedGroups": len(accepted),
        "loadAverage": os.getloadavg()[0],
    }
    if killed:
        victim, at = killed
        requeued = [e for e in events if e.get("@mt", "").startswith("Re-queued the request") and e.get("Worker", "").startswith(victim.address + "/")]
        wanted = {(e["Step"], s) for e in requeued for s in e["Samples"]}
        taken = [e for e in accepted if (e["Step"], e["Sample"]) in wanted]
        removed = next((e for e in events if e.get("ClusterEvent") == "MemberRemoved" and e.get("Member") == victim.address), None)
        result["kill"] = {
            "node": victim.name, "requestsRequeued": len(wanted),
            "killToRemovedSeconds": round(stamp(removed) - at, 2) if removed else None,
            "killToAllRequeuedSeconds": round(max(stamp(e) for e in requeued) - at, 2) if requeued else None,
            "killToAllTakenSeconds": round(max(stamp(e) for e in taken) - at, 2) if taken and len(taken) == len(wanted) else None,
            "requeuedTakenFromOtherNodes": all(not e["Worker"].startswith(victim.address + "/") for e in taken),
        }
    return result


def steady_cpu(cpu_at, steady, steps):
    if 0 not in cpu_at or steps - 1 not in cpu_at or steps < 2:
        return None
    groups = sum(e["Groups"] for e in steady)
    spent = {k: cpu_at[steps - 1][k] - cpu_at[0][k] for k in cpu_at[0]}
    return {"learner": round(1000 * spent["learner-0"] / groups, 3),
            "rollout": round(1000 * sum(v for k, v in spent.items() if k != "learner-0") / groups, 3)}


def table(results):
    head = ("| N × W | workers | G | sample ms | groups/s | p50 ms | p99 ms | mailbox mean / max | coordinator µs/group: CPU; wall (share) "
            "| bytes/group | peak RSS MiB (learner; rollout max) | CPU ms/group (learner; rollout) | once |")
    rows = [head, "|" + "---|" * 13]
    for r in results:
        rss, cpu = r["peakRssMiB"], r["steadyCpuMsPerGroup"]
        rollout = max(v for k, v in rss.items() if k != "learner-0")
        rows.append(f"| {r['nodes']} × {r['workersPerNode']} | {r['workers']} | {r['groupSize']} | {r['sampleMs']} | {r['groupsPerSecond']:,.0f} | "
                    f"{r['latencyP50Ms']:.0f} | {r['latencyP99Ms']:.0f} | {r['mailboxMean']:.0f} / {r['mailboxMax']} | "
                    f"{r['coordinatorCpuUsPerGroup']}; {r['coordinatorBusyUsPerGroup']} ({r['coordinatorBusyShare']:.0%}) | {r['bytesPerGroup']} | "
                    f"{rss['learner-0']}; {rollout} | {cpu['learner'] if cpu else '-'}; {cpu['rollout'] if cpu else '-'} | "
                    f"{'yes' if r['acceptedExactlyOnce'] else 'NO'} |")
        if "kill" in r:
            k = r["kill"]
            rows.append(f"|  kill -9 {k['node']}: {k['requestsRequeued']} requests re-queued; removed after {k['killToRemovedSeconds']} s, "
                        f"all re-queued after {k['killToAllRequeuedSeconds']} s, all taken and accepted after {k['killToAllTakenSeconds']} s |" + " |" * 12)
    return "\n".join(rows)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--nodes", type=int, default=4, help="rollout processes, N (1-4 here)")
    p.add_argument("--workers", type=int, default=250, help="rollout workers per process, W (up to 250)")
    p.add_argument("--group", type=int, default=4, help="group size G (up to 64)")
    p.add_argument("--matrix", help="several runs: NxW,NxW,... (overrides --nodes/--workers)")
    p.add_argument("--groups", help="several group sizes: G,G,... (overrides --group)")
    p.add_argument("--sample-ms", type=int, default=0, help="each group's sampling time (Engine:ToySampleMilliseconds)")
    p.add_argument("--steps", type=int, default=4, help="RecPO steps")
    p.add_argument("--users-per-step", type=int, default=0, help="samples per step (default: 4 per worker, at least 200)")
    p.add_argument("--items", type=int, default=300)
    p.add_argument("--max-new-tokens", type=int, default=16)
    p.add_argument("--frame-bytes", type=int, default=128000, help="Cluster:MaximumFrameSizeBytes")
    p.add_argument("--deadline", type=int, default=120, help="Learner:StepDeadlineSeconds")
    p.add_argument("--kill-node", type=int, help="SIGKILL this rollout process (0-based) mid-step")
    p.add_argument("--kill-step", type=int, default=2, help="the RecPO step (0-based) the kill falls in")
    p.add_argument("--kill-after", type=float, default=0.3, help="seconds into that step")
    p.add_argument("--timeout", type=int, default=600, help="bound on one run, seconds")
    p.add_argument("--set", action="append", default=[], help="extra configuration Key=Value for every process")
    p.add_argument("--json", help="write the summary here")
    p.add_argument("--keep", action="store_true", help="keep the run directories and logs")
    a = p.parse_args()
    if not os.path.exists(CLI):
        sys.exit(f"{CLI} is missing: dotnet build R2ec.Distributed.sln -c Release")
    shapes = [tuple(int(x) for x in s.split("x")) for s in a.matrix.split(",")] if a.matrix else [(a.nodes, a.workers)]
    groups = [int(g) for g in a.groups.split(",")] if a.groups else [a.group]
    results = []
    for group in groups:
        for nodes, workers in shapes:
            work = tempfile.mkdtemp(prefix=f"r2ec-scale-{nodes}x{workers}-g{group}-")
            print(f"== {nodes} x {workers} workers, G = {group} ({work})", file=sys.stderr, flush=True)
            result = run_once(a, nodes, workers, group, work)
            result["work"] = work if a.keep else None
            results.append(result)
            print(json.dumps(result), file=sys.stderr, flush=True)
            if not a.keep:
                subprocess.run(["rm", "-rf", work], check=False)
    summary = {"machine": f"{os.cpu_count()} cores", "date": datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC"), "runs": results}
    if a.json:
        with open(a.json, "w") as f:
            json.dump(summary, f, indent=2)
    print(table(results))
    if not all(r["acceptedExactlyOnce"] for r in results):
        sys.exit("some (step, sample) group was not accepted exactly once")


if __name__ == "__main__":
    main()
