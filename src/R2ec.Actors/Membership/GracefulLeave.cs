using System.Runtime.InteropServices;
using R2ec.Actors.Runtime;

namespace R2ec.Actors.Membership;

/// <summary>
/// Makes a node leave gracefully on SIGTERM (what Kubernetes sends before it kills a pod) or SIGINT: instead of dying,
/// the node shuts its actor system down with a drain time. Every actor first leaves its pools and topics (no new work),
/// the messages already in its mailbox are handled until the drain time is up, pool messages still unhandled go back to
/// their pools for other members, the <see cref="HeartbeatAnnouncer"/> sends its leaving heartbeat (the coordinator
/// removes the node at once), and the node detaches from the fabric. <see cref="Left"/> then completes: the host exits.
/// </summary>
public sealed class GracefulLeave : IDisposable
{
    private readonly ActorSystem _system;
    private readonly TimeSpan _drain;
    private readonly TaskCompletionSource _left = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly PosixSignalRegistration[] _signals;
    private int _leaving;

    /// <summary>Registers the signal handlers for <paramref name="system"/>.</summary>
    /// <param name="system">The node.</param>
    /// <param name="drain">How long in-flight work may take to finish before it is returned.</param>
    public GracefulLeave(ActorSystem system, TimeSpan drain)
    {
        _system = system;
        _drain = drain;
        _signals =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
        ];
    }

    /// <summary>Completes when the node has left (its actor system is shut down).</summary>
    public Task Left => _left.Task;

    /// <summary>Starts leaving, as the signals do; a second request changes nothing.</summary>
    public void RequestLeave(string reason)
    {
        if (Interlocked.Exchange(ref _leaving, 1) == 1) return;
        _ = Task.Run(async () =>
        {
            try
            {
                _system.Log.Information("Node {Node} leaving ({Reason}); draining in-flight work for up to {DrainSeconds} s", _system.Node, reason,
                        _drain.TotalSeconds);
                await _system.ShutdownAsync(_drain);
                _left.TrySetResult();
            }
            catch (Exception e)
            {
                _left.TrySetException(e);
            }
        });
    }

    /// <summary>Removes the signal handlers.</summary>
    public void Dispose()
    {
        foreach (var signal in _signals) signal.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true; // the process exits when the host sees Left complete, not now
        RequestLeave(context.Signal.ToString());
    }
}
