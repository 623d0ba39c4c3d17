using Google.Protobuf;
using R2ec.Actors.Addressing;

namespace R2ec.Actors.Runtime;

/// <summary>One message on its way to an actor, with what the runtime needs besides the message itself.</summary>
public sealed class Envelope
{
    /// <summary>Wraps a message.</summary>
    public Envelope(IMessage message, ActorAddress? sender, string messageId, string? correlationId = null, bool redelivered = false)
    {
        Message = message;
        Sender = sender;
        MessageId = messageId;
        CorrelationId = correlationId;
        Redelivered = redelivered;
    }

    /// <summary>The message.</summary>
    public IMessage Message { get; }

    /// <summary>Who sent it, if anyone; replies go there.</summary>
    public ActorAddress? Sender { get; }

    /// <summary>Unique id of the message; handlers use it to ignore redeliveries.</summary>
    public string MessageId { get; }

    /// <summary>For a reply, the id of the request it answers.</summary>
    public string? CorrelationId { get; }

    /// <summary>Whether a fabric delivers this message again (a consumer before failed on it or stopped before finishing it).</summary>
    public bool Redelivered { get; }

    /// <summary>
    /// Set by a fabric on deliveries it acknowledges only once handled (pool messages; over a broker, messages from an
    /// actor's own queue too): the receiving actor completes it when the handler has run without throwing, and returns
    /// it when the handler threw or the actor stopped before handling the message, so the fabric can deliver it again.
    /// </summary>
    public IDeliveryReceipt? Receipt { get; init; }

    /// <summary>A copy with another message body (deserialised) and the same metadata and receipt.</summary>
    internal Envelope WithMessage(IMessage message) =>
        new(message, Sender, MessageId, CorrelationId, Redelivered) { Receipt = Receipt };

    /// <summary>A copy that carries a delivery's receipt.</summary>
    internal Envelope WithReceipt(IDeliveryReceipt receipt) =>
        new(Message, Sender, MessageId, CorrelationId, Redelivered) { Receipt = receipt };
}

/// <summary>Acknowledgement of one delivery that waits for its handler (at-least-once: a returned message is delivered again).</summary>
public interface IDeliveryReceipt
{
    /// <summary>The message was handled; the fabric forgets it.</summary>
    void Complete();

    /// <summary>
    /// The message was not handled (its handler threw, or its consumer stopped first); the fabric delivers it again,
    /// marked redelivered, or dead-letters it once it was returned more than the fabric's delivery limit.
    /// </summary>
    void Return();
}
