namespace R2ec.Training.Jobs;

/// <summary>
/// Where a job stands, as stored in every checkpoint's <c>state.json</c>: the stage and the steps done in it, the
/// policy and item-table versions, the data cursor, the seed behind every keyed random stream (the only RNG state a
/// keyed design has), and the "without reasoning" and "reasoning without RecPO" test ranks once the recommendation warm-up has produced them.
/// </summary>
/// <param name="Stage">The stage in progress (or just completed when <paramref name="StageCompleted"/>).</param>
/// <param name="Step">Steps done within that stage.</param>
/// <param name="StageCompleted">Whether the stage has finished.</param>
/// <param name="PolicyVersion">Version of the learner's weights.</param>
/// <param name="ItemTableVersion">Version of the item table rollouts use.</param>
/// <param name="DataCursor">Position in the stage's sample stream of the next batch.</param>
/// <param name="Seed">Root of every keyed random stream.</param>
/// <param name="WithoutReasoningRanks">Test ranks after the recommendation warm-up, or null before.</param>
/// <param name="ReasoningWithoutRecPORanks">Test ranks of the recommendation warm-up's weights with greedy reasoning, or null before (or in a checkpoint written before the row existed).</param>
/// <param name="InFlight">
/// The RecPO steps requested but not yet learned, oldest first (<c>Learner:MaxStaleness</c> = s &gt; 0: steps
/// <paramref name="Step"/> to <paramref name="Step"/> + s − 1 at a step boundary); <paramref name="DataCursor"/> is past
/// their samples. A resumed run requests them again at the versions they name, whose weights and item tables the
/// checkpoint holds, and keyed sampling gives the same groups. Empty or null in the synchronous loop.
/// </param>
public sealed record JobState(
    JobStage Stage,
    long Step,
    bool StageCompleted,
    ulong PolicyVersion,
    ulong ItemTableVersion,
    long DataCursor,
    ulong Seed,
    int[]? WithoutReasoningRanks,
    int[]? ReasoningWithoutRecPORanks = null,
    IReadOnlyList<InFlightStep>? InFlight = null);

/// <summary>A RecPO step whose rollouts were requested ahead of its learning (the pipelined mode).</summary>
/// <param name="Step">The RecPO step (0-based).</param>
/// <param name="SampleIndices">Its training samples, in request order.</param>
/// <param name="PolicyVersion">The policy version that samples its groups.</param>
/// <param name="ItemTableVersion">The item table version its rollouts rank against.</param>
public sealed record InFlightStep(long Step, ulong[] SampleIndices, ulong PolicyVersion, ulong ItemTableVersion);
