using System.CommandLine;
using System.Net.Sockets;
using R2ec.Cli.Commands;
using R2ec.Data.Datasets;
using R2ec.Training.Checkpoints;
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
        root.Subcommands.Add(ExperimentCommand.Create(globals, output));
        root.Subcommands.Add(NodeCommand.Create(globals, output));
        root.Subcommands.Add(MemberCommand.Create(globals));

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
        catch (Exception e) when (UserError(e) is { } message)
        {
            error.WriteLine($"r2ec: {message.ReplaceLineEndings(" ")}");
            return ExitUsage;
        }
        catch (R2ec.Training.Jobs.StepFailedException e)
        {
            // A step whose groups never arrived ends the job (DESIGN.md §5); the run directory keeps the last checkpoint.
            error.WriteLine($"r2ec: {e.Message}");
            return ExitFailure;
        }
        catch (Exception e)
        {
            // A bug, not the user's doing: the whole trace goes to the log (file) and to stderr, and the exit is non-zero.
            Log.Fatal(e, "r2ec failed with an unexpected error");
            error.WriteLine($"r2ec: unexpected error (please report it): {e}");
            return ExitFailure;
        }
        finally
        {
            Log.CloseAndFlush();
        }
    }

    /// <summary>
    /// The one line to print for a failure the user caused and can fix (bad files, folders, configuration, arguments,
    /// unreadable or unwritable paths, an unusable checkpoint, an unreachable address), or null when
    /// <paramref name="e"/> is a bug. Every command's failures pass through here.
    /// </summary>
    public static string? UserError(Exception e)
    {
        if (e is AggregateException { InnerExceptions.Count: 1 } aggregate)
            return UserError(aggregate.InnerExceptions[0]);
        return e switch
        {
            ConfigurationException or DataFormatException or CheckpointException => e.Message,
            // libtorch cannot be loaded on this machine: the message names the missing library version.
            R2ec.Model.Torch.TorchBackendUnavailableException => e.Message,
            // The runtime's messages name the path ("Access to the path '…' is denied", "Could not find a part of the path '…'").
            UnauthorizedAccessException or FileNotFoundException or DirectoryNotFoundException or PathTooLongException => e.Message,
            // Plain I/O errors (a full disk, a folder that may not be replaced, a truncated compressed file), not their
            // subclasses from networking libraries, which say little about what to fix.
            IOException when e.GetType() == typeof(IOException) || e is EndOfStreamException => e.Message,
            InvalidDataException => e.Message,
            _ when SocketCause(e) is { } socket => $"{e.Message} ({socket.Message})",
            _ => null,
        };
    }

    /// <summary>The socket error behind <paramref name="e"/>, however wrapped: an address that cannot be reached or bound.</summary>
    internal static SocketException? SocketCause(Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket)
                return socket;
        }
        return null;
    }
}
