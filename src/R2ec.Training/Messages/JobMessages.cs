using Google.Protobuf.Reflection;

namespace R2ec.Training.Messages;

/// <summary>Every message type the training job sends between actors (tests check that each has an example that crosses the serializer).</summary>
public static class JobMessages
{
    /// <summary>Descriptors of the job's messages.</summary>
    public static IReadOnlyList<MessageDescriptor> Descriptors { get; } =
    [
        RolloutRequest.Descriptor,
        WorkRequest.Descriptor,
        TrajectoryGroup.Descriptor,
        RewardedGroup.Descriptor,
        WeightsPublished.Descriptor,
        ItemTablePublished.Descriptor,
        StepCompleted.Descriptor,
        RunStep.Descriptor,
        PrefetchStep.Descriptor,
        StepDeadline.Descriptor,
        LearnStep.Descriptor,
        StepFailed.Descriptor,
        StepOwnerFailed.Descriptor,
        WarmUpStep.Descriptor,
        WarmUpDone.Descriptor,
        SnapshotRequest.Descriptor,
        Snapshot.Descriptor,
        RestoreRequest.Descriptor,
        BuildItemTable.Descriptor,
        EvaluateRequest.Descriptor,
        EvaluationResult.Descriptor,
    ];
}
