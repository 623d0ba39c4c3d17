using System.Globalization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Logger.Serilog;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using R2ec.Training.Actors;
using R2ec.Training.Configuration;
using R2ec.Training.Serialization;

namespace R2ec.Training.Jobs;

/// <summary>
/// The job's Akka.NET actor system, wired with Akka.Hosting: the protobuf serializer bound to every message with
/// <c>serialize-messages = on</c> (every message crosses the serializer in one process exactly as between machines),
/// the compute dispatcher, a guardian that stops (never restarts in place) a failed top-level actor, and Akka's
/// lifecycle, Terminated and dead-letter events through Akka.Logger.Serilog.
/// </summary>
internal sealed class JobActorSystem : IAsyncDisposable
{
    /// <summary>The actor system's name: paths read <c>akka://r2ec/user/learner</c>.</summary>
    public const string Name = "r2ec";

    private readonly IHost _host;
    private readonly Serilog.ILogger _previousStatic;

    private JobActorSystem(IHost host, ActorSystem system, Serilog.ILogger previousStatic)
    {
        _host = host;
        System = system;
        _previousStatic = previousStatic;
    }

    /// <summary>The running actor system.</summary>
    public ActorSystem System { get; }

    /// <summary>
    /// The job's HOCON: serialization, the compute dispatcher (one thread per rollout worker plus the learner,
    /// item-table builder and evaluator, so compute never starves the coordinator and reward actor on the default
    /// dispatcher), the stopping guardian and lifecycle logging.
    /// </summary>
    public static Config Hocon(JobOptions options) => ActorHocon(options).WithFallback(AkkaSerialization.SerializeEveryMessage);

    /// <summary>
    /// The part of <see cref="Hocon"/> a cluster node shares (compute dispatcher, stopping guardian, lifecycle logging);
    /// its serialization comes from <see cref="Cluster.ClusterBootstrap"/>, which binds every message without
    /// serializing local sends a second time.
    /// </summary>
    public static Config ActorHocon(JobOptions options)
    {
        var threads = options.Rollout.Workers + 3;
        return ConfigurationFactory.ParseString(string.Create(CultureInfo.InvariantCulture, $$"""
            akka {
              # Akka's own stdout logger runs before the Serilog logger starts; stdout carries the job's table only.
              stdout-loglevel = OFF
              log-dead-letters = 100
              log-dead-letters-during-shutdown = off
              actor {
                guardian-supervisor-strategy = "Akka.Actor.StoppingSupervisorStrategy, Akka"
                debug {
                  lifecycle = on
                  unhandled = on
                }
              }
            }
            {{JobContext.ComputeDispatcher}} {
              type = ForkJoinDispatcher
              throughput = 1
              dedicated-thread-pool {
                thread-count = {{threads}}
                threadtype = background
              }
            }
            """));
    }

    /// <summary>
    /// Starts the system. Akka.Logger.Serilog writes to Serilog's static logger, so for the system's lifetime that is
    /// <paramref name="eventLog"/> (the job's events.jsonl and its outer logger); disposing restores the previous one.
    /// </summary>
    public static async Task<JobActorSystem> StartAsync(JobOptions options, Serilog.ILogger eventLog, CancellationToken cancellation)
    {
        var previous = Serilog.Log.Logger;
        Serilog.Log.Logger = eventLog;
        var host = new HostBuilder()
            .ConfigureServices(services => services.AddAkka(Name, builder =>
            {
                builder.AddHocon(Hocon(options), HoconAddMode.Prepend);
                builder.ConfigureLoggers(loggers =>
                {
                    loggers.LogLevel = Akka.Event.LogLevel.DebugLevel;
                    loggers.ClearLoggers();
                    loggers.AddSerilogLogging();
                });
            }))
            .Build();
        try
        {
            await host.StartAsync(cancellation);
        }
        catch
        {
            host.Dispose();
            Serilog.Log.Logger = previous;
            throw;
        }
        return new JobActorSystem(host, host.Services.GetRequiredService<ActorSystem>(), previous);
    }

    /// <summary>Stops every actor through Akka's coordinated shutdown and restores Serilog's static logger.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            // Stopping the loggers announces itself at Debug on Akka's stdout logger, whatever stdout-loglevel says;
            // stdout carries the job's table only, so the lifecycle's debug events end here.
            System.EventStream.SetLogLevel(Akka.Event.LogLevel.InfoLevel);
            await _host.StopAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            _host.Dispose();
            Serilog.Log.Logger = _previousStatic;
        }
    }
}
