using System.CommandLine;
using R2ec.Training.Configuration;
using Serilog;

namespace R2ec.Cli;

/// <summary>Options every subcommand takes: which configuration, overrides of it, and how to log.</summary>
public sealed class GlobalOptions
{
    /// <summary>JSON configuration file; the embedded <c>local.json</c> when absent.</summary>
    public Option<FileInfo?> Config { get; } = new("--config")
    {
        Description = "JSON configuration file (default: the embedded cluster-config/local.json)",
        Recursive = true,
    };

    /// <summary>Configuration overrides, highest precedence.</summary>
    public Option<string[]> Set { get; } = new("--set")
    {
        Description = "override a configuration key, Section:Key=value (repeatable)",
        Recursive = true,
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>Console log format; shorthand for <c>--set Logging:Format=…</c>.</summary>
    public Option<LogFormat?> LogFormat { get; } = new("--log-format")
    {
        Description = "console log format: auto (text on a terminal, JSON lines otherwise), text or json",
        Recursive = true,
    };

    /// <summary>JSON-lines log file; shorthand for <c>--set Logging:File=…</c>.</summary>
    public Option<string?> LogFile { get; } = new("--log-file")
    {
        Description = "also write JSON-lines events to this file (rolled daily)",
        Recursive = true,
    };

    /// <summary>Adds the options to the root command.</summary>
    public void AddTo(RootCommand root)
    {
        root.Options.Add(Config);
        root.Options.Add(Set);
        root.Options.Add(LogFormat);
        root.Options.Add(LogFile);
    }

    /// <summary>Loads the effective configuration for a parsed command line.</summary>
    /// <exception cref="ConfigurationException">The configuration is not valid.</exception>
    public JobOptions Load(ParseResult parse)
    {
        var sets = new List<string>(parse.GetValue(Set) ?? []);
        if (parse.GetValue(LogFormat) is { } format)
            sets.Add($"Logging:Format={format}");
        if (parse.GetValue(LogFile) is { } file)
            sets.Add($"Logging:File={file}");
        return JobConfiguration.Load(parse.GetValue(Config)?.FullName, sets);
    }

    /// <summary>
    /// Loads the configuration, installs the process logger it asks for and logs the start of the command
    /// with the effective configuration, so every run's log says exactly what it ran with.
    /// </summary>
    /// <exception cref="ConfigurationException">The configuration is not valid.</exception>
    public JobOptions Start(ParseResult parse, TextWriter? logConsole = null)
    {
        var options = Load(parse);
        // Kernel results do not depend on the thread count (fixed reduction order), only their speed does.
        R2ec.Tensors.Engine.Threads = options.Engine.EffectiveThreads;
        Log.Logger = EventLog.Create(options.Logging, logConsole, consoleIsTerminal: logConsole is null && !Console.IsErrorRedirected);
        Log.Information("r2ec {Command:l} {Version:l} starting; effective configuration {@Configuration}",
            parse.CommandResult.Command.Name, typeof(GlobalOptions).Assembly.GetName().Version?.ToString(), options);
        return options;
    }
}
