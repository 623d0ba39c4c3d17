using Akka.Actor;
using Google.Protobuf;
using R2ec.Training.Configuration;

namespace R2ec.Training.Cluster;

/// <summary>A message too large for one remoting frame, refused at its sender.</summary>
public sealed class MessageTooLargeException(string message) : Exception(message);

/// <summary>
/// The sender-side size check of remote messages. Akka.Remote drops a message above <c>maximum-frame-size</c> in its
/// endpoint writer and only logs it there, so the sender would wait for a reply that never comes; the job's
/// messages carry metadata only (blobs go over the data plane), and one that does not fit is a bug to report where it
/// is sent, naming the message and the limit.
/// </summary>
public static class RemoteFrame
{
    /// <summary>
    /// Bytes of each frame left for Akka's envelope around the payload: recipient and sender paths, serializer id and
    /// manifest (a test sends a payload of exactly the limit less this allowance over real remoting).
    /// </summary>
    public const int EnvelopeAllowance = 2048;

    /// <summary>The largest payload that fits a frame of <paramref name="maximumFrameSizeBytes"/>.</summary>
    public static int MaximumPayload(int maximumFrameSizeBytes) => maximumFrameSizeBytes - EnvelopeAllowance;

    /// <summary>Throws when <paramref name="message"/> does not fit one frame of <paramref name="maximumFrameSizeBytes"/>; returns its serialized size.</summary>
    /// <exception cref="MessageTooLargeException">The serialized message is larger than <see cref="MaximumPayload"/>.</exception>
    public static int EnsureFits(IMessage message, int maximumFrameSizeBytes)
    {
        ArgumentNullException.ThrowIfNull(message);
        var size = message.CalculateSize();
        if (size > MaximumPayload(maximumFrameSizeBytes))
            throw new MessageTooLargeException(
                $"{message.Descriptor.FullName} is {size} bytes, more than one remoting frame carries (Cluster:MaximumFrameSizeBytes = {maximumFrameSizeBytes}, " +
                $"less {EnvelopeAllowance} bytes of envelope); large payloads go over the data plane as blobs");
        return size;
    }

    /// <summary>
    /// Serialized bytes per generated token of a group at most: the token id (a varint of at most 3 bytes for any
    /// vocabulary below 2^21 tokens) and its two float log-probabilities.
    /// </summary>
    public const int GroupBytesPerToken = 11;

    /// <summary>
    /// An upper bound on a <c>TrajectoryGroup</c>'s serialized size: every one of the <paramref name="groupSize"/>
    /// trajectories at <paramref name="maxNewTokens"/> plus the appended <c>&lt;answer&gt;</c>, a prompt of at most
    /// <paramref name="maxPromptTokens"/> tokens, and room for the fixed fields (worker path, incarnation).
    /// </summary>
    public static long WorstCaseGroupBytes(int groupSize, int maxNewTokens, int maxPromptTokens) =>
        1024L + 3L * maxPromptTokens + groupSize * (64L + GroupBytesPerToken * (maxNewTokens + 1L));

    /// <summary>
    /// Refuses, at a node's start, a job whose groups may not fit one remoting frame: G = 64 trajectories of 640 tokens
    /// are about 450 KB against a default frame of 128 KB, and such a group would be refused at its worker on every
    /// attempt, failing the step only after <c>Learner:StepDeadlineSeconds</c> × <c>Learner:MaxRequestAttempts</c>
    /// (found by tests/bench/cluster-scale.py). The message names the frame size that fits.
    /// </summary>
    /// <exception cref="ConfigurationException">The worst-case group is larger than one frame's payload.</exception>
    public static void CheckGroupsFit(JobOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var rollout = options.Rollout;
        var frame = options.Cluster.MaximumFrameSizeBytes;
        var worst = WorstCaseGroupBytes(rollout.GroupSize, rollout.MaxNewTokens, options.Model.MaxPositions);
        if (worst > MaximumPayload(frame))
            throw new ConfigurationException(
                $"a group of Rollout:GroupSize = {rollout.GroupSize} trajectories of up to Rollout:MaxNewTokens = {rollout.MaxNewTokens} tokens " +
                $"(prompt up to Model:MaxPositions = {options.Model.MaxPositions}) may serialize to {worst} bytes, more than one remoting frame carries " +
                $"(Cluster:MaximumFrameSizeBytes = {frame}); set Cluster:MaximumFrameSizeBytes to at least {worst + EnvelopeAllowance}, " +
                "or lower the group size or the token limit");
    }

    /// <summary>
    /// Sends <paramref name="message"/> after <see cref="EnsureFits"/>: a message that cannot arrive is never sent.
    /// Returns its serialized size (the payload remoting carries).
    /// </summary>
    /// <exception cref="MessageTooLargeException">The message does not fit one frame.</exception>
    public static int TellChecked(this IActorRef target, IMessage message, int maximumFrameSizeBytes, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        var size = EnsureFits(message, maximumFrameSizeBytes);
        target.Tell(message, sender ?? ActorRefs.NoSender);
        return size;
    }
}
