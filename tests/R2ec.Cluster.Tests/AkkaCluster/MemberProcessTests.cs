using System.Net;
using R2ec.Cluster.Tests.Support;
using System.Runtime.InteropServices;
using System.Text.Json;
using R2ec.Cluster.Tests.Processes;
using R2ec.Training.Cluster;

namespace R2ec.Cluster.Tests.AkkaCluster;

/// <summary>
/// Real <c>r2ec member</c> processes on 127.0.0.1 (no job): a learner and two rollout nodes form the cluster; probes
/// answer as they should; a third rollout node joins the running cluster; the split-brain resolver downs a stopped
/// (SIGSTOP) and a killed (SIGKILL) rollout node within the configured seconds, the stopped one exits non-zero when it
/// wakes, and SIGTERM makes a member leave with exit code 0. The membership events are read as structured fields of
/// the JSON log.
/// </summary>
[NonParallelizable]
public sealed class MemberProcessTests
{
    private sealed record Member(string Name, int RemotingPort, int HealthPort, NodeProcess Process)
    {
        public string Address => $"akka.tcp://r2ec@127.0.0.1:{RemotingPort}";
    }

    private readonly List<Member> _members = [];

    [TearDown]
    public void TearDown()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status != NUnit.Framework.Interfaces.TestStatus.Passed)
            foreach (var m in _members)
                TestContext.Out.WriteLine(m.Process.Tail(60));
        foreach (var m in _members)
            m.Process.Dispose();
    }

    private Member Start(string name, string roles, int seedPort, int remotingPort = 0, string? readyFile = null)
    {
        remotingPort = remotingPort == 0 ? Ports.Free() : remotingPort;
        var healthPort = Ports.Free();
        var args = new List<string>
        {
            "member", "--role", roles, "--log-format", "Json",
            "--set", "Cluster:RemotingHost=127.0.0.1", "--set", "Cluster:PublicHostname=127.0.0.1",
            "--set", $"Cluster:RemotingPort={remotingPort}", "--set", $"Cluster:Seeds=127.0.0.1:{seedPort}",
            "--set", $"Cluster:EndpointsListen=http://127.0.0.1:{healthPort}", "--set", "Cluster:MinimumRolloutNodes=2",
        };
        if (readyFile is not null)
            args.AddRange(["--ready-file", readyFile]);
        var member = new Member(name, remotingPort, healthPort, NodeProcess.Start(name, args, new Dictionary<string, string>()));
        _members.Add(member);
        return member;
    }

    /// <summary>The cluster events a member logged, as (kind, member address, roles, time).</summary>
    private static List<(string Kind, string Member, string Roles, DateTime At)> Events(Member observer) =>
        observer.Process.Stderr.Where(l => l.StartsWith('{') && l.Contains("\"ClusterEvent\"", StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Select(e => (e.GetProperty("ClusterEvent").GetString()!, e.GetProperty("Member").GetString()!,
                e.GetProperty("MemberRoles").GetString()!, e.GetProperty("@t").GetDateTime().ToUniversalTime()))
            .ToList();

    private static async Task<DateTime> EventAsync(Member observer, string kind, Member subject, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var found = Events(observer).FirstOrDefault(e => e.Kind == kind && e.Member == subject.Address);
            if (found.Kind is not null)
                return found.At;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"{observer.Name} did not log {kind} of {subject.Name} ({subject.Address}) within {within.TotalSeconds:F0} s");
            await Task.Delay(100);
        }
    }

    private static async Task<HttpStatusCode> GetAsync(Member member, string path)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        return (await http.GetAsync($"http://127.0.0.1:{member.HealthPort}{path}")).StatusCode;
    }

    [Test]
    public async Task The_resolver_downs_a_stopped_and_a_killed_rollout_node_the_stopped_one_exits_non_zero_when_it_wakes_and_sigterm_leaves_with_0()
    {
        var seedPort = Ports.Free();
        var readyFile = Path.Combine(Path.GetTempPath(), $"r2ec-ready-{Guid.NewGuid():N}");
        // A rollout node started before its seed is alive but not ready: it has not joined.
        var stopped = Start("rollout-stopped", "rollout", seedPort);
        await Polling.UntilAsync(async () => await GetAsync(stopped, "/alive") == HttpStatusCode.OK, "/alive of a node without its seed", TimeSpan.FromSeconds(60));
        Assert.That(await GetAsync(stopped, "/ready"), Is.EqualTo(HttpStatusCode.ServiceUnavailable), "not ready before it joins");

        var learner = Start("learner", "learner", seedPort, remotingPort: seedPort, readyFile: readyFile);
        var killed = Start("rollout-killed", "rollout", seedPort);
        var formed = TimeSpan.FromSeconds(60);
        foreach (var m in new[] { learner, stopped, killed })
            await EventAsync(learner, "MemberUp", m, formed);
        var roles = Events(learner).Where(e => e.Kind == "MemberUp").ToDictionary(e => e.Member, e => e.Roles);
        Assert.That(roles, Is.EquivalentTo(new Dictionary<string, string> { [learner.Address] = "learner", [stopped.Address] = "rollout", [killed.Address] = "rollout" }));

        // The learner is Up but has not "loaded" (its ready file is missing): /ready says no until it has.
        await Polling.UntilAsync(async () => await GetAsync(stopped, "/ready") == HttpStatusCode.OK, "/ready of an Up rollout node", formed);
        Assert.That(await GetAsync(learner, "/ready"), Is.EqualTo(HttpStatusCode.ServiceUnavailable), "Up but not loaded");
        await File.WriteAllTextAsync(readyFile, "loaded");
        try
        {
            await Polling.UntilAsync(async () => await GetAsync(learner, "/ready") == HttpStatusCode.OK, "/ready of the learner once loaded", TimeSpan.FromSeconds(10));
        }
        finally
        {
            File.Delete(readyFile);
        }
        Assert.That(await GetAsync(learner, "/alive"), Is.EqualTo(HttpStatusCode.OK));

        // A rollout node joining a running cluster becomes Up too: the pool is elastic.
        var late = Start("rollout-late", "rollout", seedPort);
        await EventAsync(learner, "MemberUp", late, formed);

        var failedAt = DateTime.UtcNow;
        Assert.That(Signal(stopped.Process.Id, SigStop), Is.Zero, "SIGSTOP");
        killed.Process.Kill();
        var downed = TimeSpan.FromSeconds(40);
        var unreachableStopped = await EventAsync(learner, "UnreachableMember", stopped, downed);
        var unreachableKilled = await EventAsync(learner, "UnreachableMember", killed, downed);
        var removedStopped = await EventAsync(learner, "MemberRemoved", stopped, downed);
        var removedKilled = await EventAsync(learner, "MemberRemoved", killed, downed);
        TestContext.Out.WriteLine($"kill -9 / SIGSTOP -> Unreachable {(unreachableKilled - failedAt).TotalSeconds:F1} s / {(unreachableStopped - failedAt).TotalSeconds:F1} s, " +
            $"-> MemberRemoved {(removedKilled - failedAt).TotalSeconds:F1} s / {(removedStopped - failedAt).TotalSeconds:F1} s");
        // Heartbeat 1 s, acceptable pause 3 s, stable-after 5 s (cluster.json): removal well under Akka's default 20 s + detection.
        Assert.That(removedKilled - failedAt, Is.LessThan(TimeSpan.FromSeconds(25)));
        Assert.That(learner.Process.HasExited, Is.False, "the learner's side survives");

        Assert.That(Signal(stopped.Process.Id, SigCont), Is.Zero, "SIGCONT");
        Assert.That(await stopped.Process.WaitForExitAsync(TimeSpan.FromSeconds(40)), Is.EqualTo(ClusterMember.RemovedExitCode),
            "a node the resolver downed exits non-zero instead of rejoining with stale state");

        late.Process.Terminate();
        Assert.That(await late.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)), Is.Zero, "SIGTERM: a graceful leave");
        await EventAsync(learner, "MemberRemoved", late, TimeSpan.FromSeconds(10));
        learner.Process.Terminate();
        Assert.That(await learner.Process.WaitForExitAsync(TimeSpan.FromSeconds(30)), Is.Zero, "SIGTERM: a graceful leave");
    }

    private const int SigStop = 19;
    private const int SigCont = 18;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Signal(int pid, int signal);
}
