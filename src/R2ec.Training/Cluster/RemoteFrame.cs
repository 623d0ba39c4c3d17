using Akka.Actor;
using Google.Protobuf;

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
