using System.CommandLine;
using R2ec.Data.Datasets;
using R2ec.Training.Cluster;
using R2ec.Training.Compute;
using R2ec.Training.Configuration;
using R2ec.Training.Evaluation;
using R2ec.Training.Jobs;
using Serilog;

namespace R2ec.Cli.Commands;

/// <summary>
/// <c>r2ec node</c>: one member of a multi-process job's Akka.Cluster (docs/cluster.md). Every node of a job is started
/// with the same configuration (<c>cluster-config/cluster.json</c>) and its own roles; the learner's node runs the
/// job, prints the test table at the end and leaves the cluster, and the other nodes leave when it has left.
/// SIGTERM makes the learner's node checkpoint at the next step boundary and every node leave gracefully (exit 0);
/// a node the cluster removes without its asking exits with <see cref="ClusterMember.RemovedExitCode"/>.
/// </summary>
public static class NodeCommand
{
    /// <summary>Builds the command; <paramref name="store"/> is the table format of dataset folders (Parquet by default).</summary>
    public static Command Create(GlobalOptions globals, TextWriter output, IDatasetTableStore? store = null)
    {
        store ??= new ParquetDatasetStore();
        var role = new Option<string[]>("--role")
        {
            Description = "roles of this process, comma-separated or repeated: coordinator, learner, rollout, reward (coordinator and learner go together)",
            AllowMultipleArgumentsPerToken = false,
            Required = true,
        };
        var node = new Option<string?>("--node") { Description = "this node's name (default: Cluster:Node, else the host name)" };
        var resume = new Option<bool>("--resume")
        {
            Description = "learner's node: continue the run directory (Run:OutputDirectory/Run:Name) from its newest checkpoint; start it when it has none",
        };
        var command = new Command("node", "run one member of a multi-process job on Akka.Cluster (see docs/cluster.md)");
        command.Options.Add(role);
        command.Options.Add(node);
        command.Options.Add(resume);
        command.SetAction(async (parse, cancel) =>
        {
            var options = globals.Start(parse);
            EngineBackends.Require(options);
            var roles = NodeRoleNames.Parse(parse.GetValue(role) ?? []);
            var name = parse.GetValue(node) is { Length: > 0 } given ? given
                : options.Cluster.Node is { Length: > 0 } configured ? configured
                : System.Net.Dns.GetHostName();
            NodeRoleNames.Check(roles, name, options.Cluster); // before anything is created or connected
            var run = roles.HasFlag(NodeRoles.Learner) ? OpenRun(options, parse.GetValue(resume)) : null;
            var data = TrainCommand.LoadData(options, store);
            using var signals = new TerminationSignals(cancel);
            var result = await ClusterNode.RunAsync(options, data, EngineBackends.Factory(options), roles, name, run, Log.Logger, signals.Token);
            Log.Information("Node {Node} stopped: {Reason}", name, result.Reason);
            if (result.Job is { Completed: true } job)
            {
                output.WriteLine($"run directory: {job.Run.Root}");
                output.WriteLine($"test split of {data.Name}, full ranking over {data.ItemCount} items, history masked:");
                output.Write(MetricsRow.Markdown(job.Rows));
            }
            else if (run is not null)
            {
                output.WriteLine($"{result.Reason}; continue with: r2ec node --role {NodeRoleNames.Format(roles)} --resume (run directory {run.Root})");
            }
            return result.ExitCode;
        });
        return command;
    }

    /// <summary>
    /// The run directory of the learner's node. It is named by configuration, not made unique as <c>r2ec train</c>
    /// does, so that a restarted learner (a rescheduled pod) finds it again; without <c>--resume</c> an existing run
    /// is never written into.
    /// </summary>
    private static RunDirectory OpenRun(JobOptions options, bool resume)
    {
        var path = Path.Combine(options.Run.OutputDirectory, options.Run.Name);
        if (!resume && Directory.Exists(path) && Directory.EnumerateFileSystemEntries(path).Any())
            throw new ConfigurationException($"run directory '{Path.GetFullPath(path)}' already holds a run; pass --resume to continue it, or choose another Run:Name");
        return new RunDirectory(path);
    }
}
