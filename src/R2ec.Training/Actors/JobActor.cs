using Akka.Actor;
using Serilog;

namespace R2ec.Training.Actors;

/// <summary>
/// Base of the job's actors: an Akka.NET <see cref="ReceiveActor"/> whose own events go to the job's event log
/// synchronously, tagged with the actor's path (<c>akka://r2ec/user/learner</c>) as the structured property
/// <c>ActorPath</c>. Akka's lifecycle events (started, stopped, restarted, Terminated, dead letters) reach the same log
/// through Akka.Logger.Serilog, which tags them with the same property.
/// </summary>
internal abstract class JobActor : ReceiveActor
{
    private ILogger? _log;

    protected JobActor(JobContext job) => Job = job;

    /// <summary>The job this actor works for.</summary>
    protected JobContext Job { get; }

    /// <summary>The job's event log, tagged with this actor's path.</summary>
    protected ILogger Log => _log ??= Job.Log.ForContext("ActorPath", Self.Path.ToString());
}
