using Google.Protobuf.Reflection;
using R2ec.Actors.Serialization;

namespace R2ec.Training.Messages;

/// <summary>Every message type the training job sends between actors, for the serializer boundary.</summary>
public static class JobMessages
{
    /// <summary>Descriptors of the job's messages.</summary>
    public static IReadOnlyList<MessageDescriptor> Descriptors { get; } =
    [
        RolloutRequest.Descriptor,
        TrajectoryGroup.Descriptor,
        RewardedGroup.Descriptor,
        WeightsPublished.Descriptor,
        ItemTablePublished.Descriptor,
        StepCompleted.Descriptor,
        Shutdown.Descriptor,
        RunStep.Descriptor,
        StepDeadline.Descriptor,
        LearnStep.Descriptor,
        StepFailed.Descriptor,
        WarmUpStep.Descriptor,
        WarmUpDone.Descriptor,
        SnapshotRequest.Descriptor,
        Snapshot.Descriptor,
        RestoreRequest.Descriptor,
        BuildItemTable.Descriptor,
        EvaluateRequest.Descriptor,
        EvaluationResult.Descriptor,
    ];

    /// <summary>
    /// A serializer that lets the job's messages cross machines. The default limit leaves room for a group of 8
    /// trajectories of 640 tokens (three 4-byte values per token) with their embeddings; anything larger belongs on
    /// the data plane. Membership heartbeats are included, since a cluster node's fabric carries them too.
    /// </summary>
    public static MessageSerializer CreateSerializer(int maxMessageBytes = 256 * 1024) =>
        new([.. Descriptors, .. R2ec.Actors.Membership.MembershipMessages.Descriptors], maxMessageBytes);
}
