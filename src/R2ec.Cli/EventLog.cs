using R2ec.Training.Logging;
using R2ec.Training.Configuration;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Display;
using System.Globalization;

namespace R2ec.Cli;

/// <summary>Builds the process-wide Serilog logger from the logging options.</summary>
public static class EventLog
{
    /// <summary>
    /// Console output is human-readable on a terminal and JSON lines when redirected (or forced by the format);
    /// the optional file is always JSON lines, rolled daily, so tools can parse it.
    /// </summary>
    /// <param name="options">The effective logging options.</param>
    /// <param name="console">Where console events go; null writes to the process's stderr (coloured on a terminal).</param>
    /// <param name="consoleIsTerminal">Whether a person is reading the console, which <see cref="LogFormat.Auto"/> follows.</param>
    public static Serilog.Core.Logger Create(LoggingOptions options, TextWriter? console, bool consoleIsTerminal)
    {
        var level = Enum.Parse<LogEventLevel>(options.MinimumLevel, ignoreCase: true);
        var json = options.Format switch
        {
            LogFormat.Json => true,
            LogFormat.Text => false,
            _ => !consoleIsTerminal,
        };
        var config = new LoggerConfiguration().MinimumLevel.Is(level).Enrich.FromLogContext();
        const string textTemplate = "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}";
        // Events go to stderr so that stdout stays clean for a command's own output (JSON lines, tables).
        config = json || console is not null
            ? config.WriteTo.Sink(new TextWriterSink(
                json ? new JsonLinesFormatter() : new MessageTemplateTextFormatter(textTemplate, CultureInfo.InvariantCulture),
                console ?? Console.Error))
            : config.WriteTo.Console(outputTemplate: textTemplate, standardErrorFromLevel: LogEventLevel.Verbose,
                formatProvider: CultureInfo.InvariantCulture);
        if (options.File is { Length: > 0 } file)
            config = config.WriteTo.File(new JsonLinesFormatter(), file, rollingInterval: RollingInterval.Day);
        return config.CreateLogger();
    }
}
