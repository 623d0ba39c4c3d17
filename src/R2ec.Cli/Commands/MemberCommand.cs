using System.CommandLine;
using R2ec.Training.Cluster;
using R2ec.Training.DataPlane;
using Serilog;

namespace R2ec.Cli.Commands;

/// <summary>
/// <c>r2ec member</c>: joins the job's Akka.Cluster with the given roles and runs no job. It checks a deployment's
/// network, seed nodes, TLS, split-brain resolver and probes before a job is started on it (docs/cluster.md), and the
/// cluster process tests run it. The node's own readiness is the existence of <c>--ready-file</c> when given, standing
/// in for "policy and item table loaded". SIGTERM leaves the cluster gracefully (exit 0); a member removed without
/// leaving (downed, quarantined) exits with <see cref="ClusterMember.RemovedExitCode"/>.
/// </summary>
public static class MemberCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(GlobalOptions globals)
    {
        var role = new Option<string[]>("--role")
        {
            Description = "roles of this member, comma-separated or repeated: learner, rollout, reward",
            Required = true,
        };
        var readyFile = new Option<FileInfo?>("--ready-file")
        {
            Description = "/ready also waits for this file to exist (stands in for the job's own readiness)",
        };
        var command = new Command("member", "join the Akka.Cluster with the given roles and no job: a check of seeds, TLS, downing and probes (see docs/cluster.md)");
        command.Options.Add(role);
        command.Options.Add(readyFile);
        command.SetAction(async (parse, cancel) =>
        {
            var options = globals.Start(parse);
            var roles = NodeRoleNames.Parse(parse.GetValue(role) ?? []);
            var file = parse.GetValue(readyFile);
            using var signals = new TerminationSignals(cancel);
            await using var member = await ClusterMember.StartAsync(options.Cluster, roles, () => file is null || File.Exists(file.FullName),
                new NodeMetrics(), Log.Logger, cancellationToken: signals.Token);
            var stopped = Task.Delay(Timeout.Infinite, signals.Token);
            var exit = await Task.WhenAny(member.Exited, stopped) == member.Exited ? await member.Exited : await member.LeaveAsync();
            return exit.ExitCode;
        });
        return command;
    }
}
