using System.CommandLine;
using R2ec.Cli.Commands;
using R2ec.Training.Configuration;
using Serilog;

namespace R2ec.Cli;

/// <summary>The <c>r2ec</c> command line: global options and the subcommands that exist.</summary>
public static class CliApp
{
    /// <summary>Exit code for a failure of the work itself.</summary>
    public const int ExitFailure = 1;

    /// <summary>Exit code for bad usage or bad configuration: nothing was started.</summary>
    public const int ExitUsage = 2;

    /// <summary>Parses and runs one command line.</summary>
    /// <returns>The process exit code.</returns>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var globals = new GlobalOptions();
        var root = new RootCommand("R2ec.Distributed: RecPO training of the R2ec recommender on actors.");
        globals.AddTo(root);
        root.Subcommands.Add(InfoCommand.Create(globals, output));
        root.Subcommands.Add(DataCommand.Create(globals, output));
        root.Subcommands.Add(BenchCommand.Create(globals, output));
        root.Subcommands.Add(ParquetCommand.Create(globals, output));
        root.Subcommands.Add(TrainCommand.Create(globals, output));
        root.Subcommands.Add(NodeCommand.Create(globals, output));

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors)
                error.WriteLine($"r2ec: {e.Message}");
            error.WriteLine("Run 'r2ec --help' for usage.");
            return ExitUsage;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration
            {
                Output = output, Error = error, EnableDefaultExceptionHandler = false,
                // Long commands handle SIGTERM and Ctrl-C themselves (TerminationSignals); others end at once.
                ProcessTerminationTimeout = null,
            });
        }
        catch (ConfigurationException e)
        {
            error.WriteLine($"r2ec: {e.Message}");
            return ExitUsage;
        }
        catch (R2ec.Model.Torch.TorchBackendUnavailableException e)
        {
            error.WriteLine($"r2ec: {e.Message}");
            return ExitUsage;
        }
        finally
        {
            Log.CloseAndFlush();
        }
    }
}
