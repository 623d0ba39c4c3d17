using System.Runtime.InteropServices;

namespace R2ec.Cli;

/// <summary>
/// Turns SIGTERM (what Kubernetes sends before it kills a pod) and SIGINT (Ctrl-C) into the cancellation of
/// <see cref="Token"/> instead of the end of the process, for commands that stop at a safe point of their own: a job at
/// its next step boundary after a checkpoint, a node after draining. System.CommandLine's own handling is off
/// (<see cref="CliApp"/>), because it ends the process two seconds after the signal, whatever is still running.
/// </summary>
internal sealed class TerminationSignals : IDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly PosixSignalRegistration[] _registrations;

    /// <summary>Starts listening; <paramref name="outer"/> also cancels <see cref="Token"/>.</summary>
    public TerminationSignals(CancellationToken outer)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(outer);
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal)];
    }

    /// <summary>Cancelled by the first signal.</summary>
    public CancellationToken Token => _stop.Token;

    /// <summary>Stops listening: a later signal ends the process again.</summary>
    public void Dispose()
    {
        foreach (var registration in _registrations)
            registration.Dispose();
        _stop.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        _stop.Cancel();
    }
}
