using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using R2ec.Actors.Addressing;
using R2ec.Actors.Protocol;
using R2ec.Actors.Runtime;

namespace R2ec.Actors.Serialization;

/// <summary>
/// The boundary every message crosses between machines: an envelope in protobuf with the body packed as
/// <c>google.protobuf.Any</c>, whose type URL names the message type. Only registered types can be read back, and
/// bodies above <see cref="MaxMessageBytes"/> are refused: actor messages are the control plane (DESIGN.md §3).
/// </summary>
public sealed class MessageSerializer
{
    private readonly TypeRegistry _registry;
    private readonly HashSet<string> _allowed;

    /// <summary>A serializer for the given message types (the runtime's own types are always included).</summary>
    /// <param name="types">Descriptors of every message type that may cross, e.g. <c>RolloutRequest.Descriptor</c>.</param>
    /// <param name="maxMessageBytes">Largest encoded body accepted.</param>
    public MessageSerializer(IEnumerable<MessageDescriptor> types, int maxMessageBytes = 64 * 1024)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessageBytes, 1);
        MessageDescriptor[] all = [Terminated.Descriptor, .. types];
        // The registry also knows every other message of the files named; only the types listed may cross.
        _registry = TypeRegistry.FromMessages(all);
        _allowed = all.Select(d => d.FullName).ToHashSet(StringComparer.Ordinal);
        MaxMessageBytes = maxMessageBytes;
    }

    /// <summary>Largest encoded message body accepted, in bytes.</summary>
    public int MaxMessageBytes { get; }

    /// <summary>Encodes an envelope for <paramref name="target"/>.</summary>
    /// <exception cref="MessageSerializationException">The message's type is not registered, or it is too large.</exception>
    public byte[] Serialize(ActorAddress target, Envelope envelope)
    {
        var descriptor = envelope.Message.Descriptor;
        if (!_allowed.Contains(descriptor.FullName))
            throw new MessageSerializationException(
                $"message type {descriptor.FullName} sent to {target} is not registered with the serializer; register its descriptor so it can cross machines");
        var size = envelope.Message.CalculateSize();
        if (size > MaxMessageBytes)
            throw new MessageSerializationException(
                $"message {descriptor.FullName} sent to {target} is {size} bytes, over the control-plane limit of {MaxMessageBytes}; send large data by URI");
        return new ActorEnvelope
        {
            MessageId = envelope.MessageId,
            Target = target.ToString(),
            Sender = envelope.Sender?.ToString() ?? "",
            CorrelationId = envelope.CorrelationId ?? "",
            Body = Any.Pack(envelope.Message),
            Redelivered = envelope.Redelivered,
        }.ToByteArray();
    }

    /// <summary>Decodes what <see cref="Serialize"/> wrote.</summary>
    /// <exception cref="MessageSerializationException">The bytes are not an envelope, or the body's type is unknown.</exception>
    public (ActorAddress Target, Envelope Envelope) Deserialize(ReadOnlySpan<byte> bytes)
    {
        ActorEnvelope wire;
        try
        {
            wire = ActorEnvelope.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new MessageSerializationException($"bytes are not an actor envelope: {e.Message}", e);
        }
        var body = wire.Body ?? throw new MessageSerializationException($"envelope {wire.MessageId} to {wire.Target} has no body");
        var typeName = Any.GetTypeName(body.TypeUrl);
        var descriptor = (_allowed.Contains(typeName) ? _registry.Find(typeName) : null)
            ?? throw new MessageSerializationException($"envelope {wire.MessageId} to {wire.Target} holds unregistered type {body.TypeUrl}");
        try
        {
            var message = descriptor.Parser.ParseFrom(body.Value);
            var sender = wire.Sender.Length == 0 ? null : ActorAddress.Parse(wire.Sender);
            var envelope = new Envelope(message, sender, wire.MessageId, wire.CorrelationId.Length == 0 ? null : wire.CorrelationId, wire.Redelivered);
            return (ActorAddress.Parse(wire.Target), envelope);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or FormatException)
        {
            throw new MessageSerializationException($"envelope {wire.MessageId} to {wire.Target}: {e.Message}", e);
        }
    }

    /// <summary>Serialises and reads back, as a message crossing machines would be; keeps the receipt.</summary>
    internal Envelope RoundTrip(ActorAddress target, Envelope envelope) =>
        envelope.WithMessage(Deserialize(Serialize(target, envelope)).Envelope.Message);
}
