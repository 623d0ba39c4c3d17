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

    /// <summary>Whether a fabric delivers this message a second time (its first consumer stopped before finishing it).</summary>
    public bool Redelivered { get; }

    /// <summary>
    /// Set by a fabric on pool deliveries: the receiving actor completes it when the handler has run, or returns it
    /// when it stops before handling the message, so the fabric can hand the message to another member.
    /// </summary>
    public IDeliveryReceipt? Receipt { get; init; }

    /// <summary>A copy with another message body (deserialised) and the same metadata and receipt.</summary>
    internal Envelope WithMessage(IMessage message) =>
        new(message, Sender, MessageId, CorrelationId, Redelivered) { Receipt = Receipt };

    /// <summary>A copy that carries a pool delivery's receipt.</summary>
    internal Envelope WithReceipt(IDeliveryReceipt receipt) =>
        new(Message, Sender, MessageId, CorrelationId, Redelivered) { Receipt = receipt };
}

/// <summary>Acknowledgement of one pool delivery (at-least-once: a returned message is delivered again).</summary>
public interface IDeliveryReceipt
{
    /// <summary>The message was handled (successfully or not); the fabric forgets it.</summary>
    void Complete();

    /// <summary>The message was not handled; the fabric gives it to another consumer, marked redelivered.</summary>
    void Return();
}
