using Akka.Actor;
using Akka.Serialization;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace R2ec.Training.Serialization;

/// <summary>
/// Akka.NET's serializer for the job's messages: every message is a protobuf message, written as its protobuf bytes
/// with the message's descriptor name (<c>r2ec.training.RolloutRequest</c>) as the manifest. The manifest names the
/// protobuf schema rather than a .NET type, so nothing on the wire can ask for an arbitrary type to be constructed:
/// a manifest that is not one of the known messages is refused (docs/serialization.md says why not Hyperion).
/// Bound to <see cref="IMessage"/> through <c>akka.actor.serialization-bindings</c> in <see cref="AkkaSerialization"/>.
/// </summary>
public sealed class ProtobufMessageSerializer : SerializerWithStringManifest
{
    /// <summary>The serializer's id in Akka's serializer table; Akka reserves 0-100 for its own serializers.</summary>
    public const int Id = 1217;

    private static readonly IReadOnlyDictionary<string, MessageParser> Parsers = BuildParsers(AkkaSerialization.Files);

    /// <summary>Akka creates the serializer with the actor system it belongs to.</summary>
    public ProtobufMessageSerializer(ExtendedActorSystem system)
        : base(system)
    {
    }

    /// <inheritdoc />
    public override int Identifier => Id;

    /// <summary>The descriptor names this serializer reads, one per message type of the job's protobuf files.</summary>
    public static IReadOnlyCollection<string> KnownMessages => (IReadOnlyCollection<string>)Parsers.Keys;

    /// <inheritdoc />
    public override byte[] ToBinary(object obj) => obj switch
    {
        IMessage message when Parsers.ContainsKey(message.Descriptor.FullName) => message.ToByteArray(),
        IMessage message => throw new ArgumentException(
            $"protobuf message {message.Descriptor.FullName} is not one of the job's messages (AkkaSerialization.Files); add its file there", nameof(obj)),
        _ => throw new ArgumentException($"{obj.GetType().FullName} is not a protobuf message; the job's actors send protobuf messages only", nameof(obj)),
    };

    /// <inheritdoc />
    public override string Manifest(object o) => o is IMessage message
        ? message.Descriptor.FullName
        : throw new ArgumentException($"{o.GetType().FullName} is not a protobuf message; the job's actors send protobuf messages only", nameof(o));

    /// <inheritdoc />
    public override object FromBinary(byte[] bytes, string manifest) => Parsers.TryGetValue(manifest, out var parser)
        ? parser.ParseFrom(bytes)
        : throw new System.Runtime.Serialization.SerializationException($"manifest '{manifest}' is not one of the job's protobuf messages; refusing to deserialize it");

    private static Dictionary<string, MessageParser> BuildParsers(IEnumerable<FileDescriptor> files)
    {
        var parsers = new Dictionary<string, MessageParser>(StringComparer.Ordinal);
        foreach (var message in files.SelectMany(f => f.MessageTypes).SelectMany(Flatten))
            parsers.Add(message.FullName, message.Parser);
        return parsers;
    }

    // Nested message types travel as messages too (a field's type can be sent on its own).
    private static IEnumerable<MessageDescriptor> Flatten(MessageDescriptor message) =>
        message.NestedTypes.SelectMany(Flatten).Prepend(message);
}
