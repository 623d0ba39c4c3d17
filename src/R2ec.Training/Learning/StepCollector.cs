using R2ec.Training.Messages;

namespace R2ec.Training.Learning;

/// <summary>What the learner did with an arriving group.</summary>
public enum GroupAcceptance
{
    /// <summary>The first group for its (step, sample): kept.</summary>
    Accepted,

    /// <summary>A second copy (a redelivery or a re-request that crossed the first answer): ignored.</summary>
    Duplicate,

    /// <summary>A group of another step: ignored.</summary>
    OtherStep,

    /// <summary>A sample the step did not ask for: ignored.</summary>
    Unexpected,
}

/// <summary>
/// The learner's accounting for one step: it accepts each (step, sample) group once, knows which are still missing,
/// and hands the batch over ordered by (user, sample) so that the batch does not depend on arrival order or on which
/// worker answered. Keyed by sample rather than user because a step may hold two samples of one user.
/// </summary>
public sealed class StepCollector
{
    private readonly Dictionary<ulong, RewardedGroup?> _groups;

    /// <summary>Starts collecting step <paramref name="step"/>, which asked for <paramref name="sampleIndices"/>.</summary>
    /// <exception cref="ArgumentException">A sample is listed twice.</exception>
    public StepCollector(ulong step, IEnumerable<ulong> sampleIndices)
    {
        Step = step;
        _groups = [];
        foreach (var s in sampleIndices)
            if (!_groups.TryAdd(s, null))
                throw new ArgumentException($"step {step} lists sample {s} twice");
    }

    /// <summary>The step collected.</summary>
    public ulong Step { get; }

    /// <summary>Groups the step needs.</summary>
    public int Expected => _groups.Count;

    /// <summary>Groups accepted so far.</summary>
    public int Received { get; private set; }

    /// <summary>Copies ignored so far.</summary>
    public int Duplicates { get; private set; }

    /// <summary>Whether every group is in.</summary>
    public bool IsComplete => Received == _groups.Count;

    /// <summary>Samples still missing, in ascending order.</summary>
    public IReadOnlyList<ulong> Missing => _groups.Where(kv => kv.Value is null).Select(kv => kv.Key).Order().ToList();

    /// <summary>Whether the step asked for <paramref name="sample"/> and its group is not in yet (constant time, unlike <see cref="Missing"/>).</summary>
    public bool IsMissing(ulong sample) => _groups.TryGetValue(sample, out var group) && group is null;

    /// <summary>Offers a group.</summary>
    public GroupAcceptance Offer(RewardedGroup group)
    {
        if (group.Group.Step != Step)
            return GroupAcceptance.OtherStep;
        if (!_groups.TryGetValue(group.Group.SampleIndex, out var existing))
            return GroupAcceptance.Unexpected;
        if (existing is not null)
        {
            Duplicates++;
            return GroupAcceptance.Duplicate;
        }
        _groups[group.Group.SampleIndex] = group;
        Received++;
        return GroupAcceptance.Accepted;
    }

    /// <summary>The complete batch, ordered by (user, sample).</summary>
    /// <exception cref="InvalidOperationException">Groups are missing.</exception>
    public IReadOnlyList<RewardedGroup> Ordered()
    {
        if (!IsComplete)
            throw new InvalidOperationException($"step {Step} has {Received} of {Expected} groups; missing samples {string.Join(", ", Missing)}");
        return _groups.Values.Select(g => g!).OrderBy(g => g.Group.UserIndex).ThenBy(g => g.Group.SampleIndex).ToList();
    }
}
