using Akka.Actor;
using R2ec.Training.Messages;
using Serilog;

namespace R2ec.Training.Actors;

/// <summary>
/// The learner role's cluster singleton: the parent of the coordinator, forwarding every message to it. A coordinator
/// that throws has lost its step's state (the groups collected, what each worker holds), so this parent's strategy
/// stops it instead of restarting it, as Akka's default would: a fresh coordinator would never answer the driver's
/// <see cref="RunStep"/> and the driver would wait out its ask. Once the coordinator has stopped, the step in flight
/// and every later <see cref="RunStep"/> are answered with <see cref="StepOwnerFailed"/> naming the step and the
/// error, so the job fails at once, as it does in one process where the guardian stops the coordinator.
/// </summary>
internal sealed class CoordinatorSupervisor : ReceiveActor
{
    private readonly IActorRef _coordinator;
    private readonly ILogger _log;
    // The driver's last RunStep: the step in flight when the coordinator fails (or the last one it completed).
    private (IActorRef Driver, ulong Step)? _running;
    private string? _error;

    public CoordinatorSupervisor(Props coordinator, ILogger log)
    {
        _log = log.ForContext("ActorPath", Self.Path.ToString());
        _coordinator = Context.Watch(Context.ActorOf(coordinator, "coordinator"));
        Receive<RunStep>(run =>
        {
            _running = (Sender, run.Step);
            _coordinator.Forward(run);
        });
        Receive<Terminated>(t => t.ActorRef.Equals(_coordinator), _ => OnCoordinatorStopped());
        ReceiveAny(m => _coordinator.Forward(m));
    }

    /// <summary>Props of the supervisor of the coordinator that <paramref name="coordinator"/> creates.</summary>
    public static Props Props(Props coordinator, ILogger log) => Akka.Actor.Props.Create(() => new CoordinatorSupervisor(coordinator, log));

    /// <inheritdoc />
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(error =>
    {
        // Runs on this actor's thread when the child reports its failure, before the child stops.
        _error = $"{error.GetType().Name}: {error.Message}";
        return Directive.Stop;
    });

    /// <inheritdoc />
    protected override void PreStart() =>
        _log.Information("Coordinator singleton started on {Member}", Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString());

    /// <inheritdoc />
    protected override void PostStop() =>
        _log.Information("Coordinator singleton stopped on {Member}", Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString());

    private void OnCoordinatorStopped()
    {
        var error = _error ?? "it stopped without an error";
        _log.Error("The coordinator failed and was stopped during or after RecPO step {Step}: {Error}; the job fails", _running?.Step, error);
        if (_running is { } running)
            running.Driver.Tell(new StepOwnerFailed { Step = running.Step, Error = error });
        Become(() =>
        {
            // No coordinator holds a step any more: every later step fails at once rather than wait for an answer.
            Receive<RunStep>(run => Sender.Tell(new StepOwnerFailed { Step = run.Step, Error = $"the coordinator had already failed: {error}" }));
            ReceiveAny(_ => { });
        });
    }
}
