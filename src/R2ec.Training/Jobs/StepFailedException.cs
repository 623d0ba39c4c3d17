using System.Globalization;
using R2ec.Training.Messages;

namespace R2ec.Training.Jobs;

/// <summary>
/// A RecPO step could not complete: groups were still missing after every attempt (DESIGN.md §5). The job fails with
/// this error rather than wait; the message names the step and the missing samples, or the coordinator's own error.
/// </summary>
public sealed class StepFailedException : Exception
{
    /// <summary>Wraps the coordinator's answer.</summary>
    public StepFailedException(StepFailed failed)
        : base(string.Create(CultureInfo.InvariantCulture,
            $"RecPO step {failed.Step} failed: samples {string.Join(", ", failed.Missing)} still missing after {failed.Attempts} attempts of {failed.DeadlineSeconds} s each"))
    {
        Step = failed.Step;
        Missing = [.. failed.Missing];
    }

    /// <summary>Wraps the answer of the coordinator's supervisor on a cluster: the coordinator itself failed during the step.</summary>
    public StepFailedException(StepOwnerFailed failed)
        : base(string.Create(CultureInfo.InvariantCulture, $"RecPO step {failed.Step} failed: its coordinator failed and was stopped ({failed.Error})"))
    {
        Step = failed.Step;
        Missing = [];
    }

    /// <summary>The step (0-based, as in the event log's rollout requests).</summary>
    public ulong Step { get; }

    /// <summary>The samples whose groups never arrived (empty when the coordinator itself failed).</summary>
    public IReadOnlyList<ulong> Missing { get; }
}
