using Akka.Configuration;
using Google.Protobuf.Reflection;
using R2ec.Training.Messages;

namespace R2ec.Training.Serialization;

/// <summary>
/// Where the job's messages meet Akka.NET's serialization: the protobuf files whose messages the actors send, and the
/// HOCON that binds every protobuf message to <see cref="ProtobufMessageSerializer"/>. Messages between machines never
/// fall back to a reflection-based serializer (Newtonsoft JSON is Akka's default for <c>System.Object</c>; Hyperion is
/// not referenced): a test resolves every message of these files through Akka and checks which serializer it gets.
/// </summary>
public static class AkkaSerialization
{
    /// <summary>The protobuf files of the job's messages (src/R2ec.Training/Messages/*.proto).</summary>
    public static IReadOnlyList<FileDescriptor> Files { get; } =
    [
        ControlReflection.Descriptor,
        JobReflection.Descriptor,
        RolloutReflection.Descriptor,
    ];

    private static readonly string SerializerType =
        $"{typeof(ProtobufMessageSerializer).FullName}, {typeof(ProtobufMessageSerializer).Assembly.GetName().Name}";

    /// <summary>The name the binding gives the serializer in <c>akka.actor.serializers</c>.</summary>
    public const string SerializerName = "r2ec-protobuf";

    /// <summary>
    /// Binds <c>Google.Protobuf.IMessage</c> to the protobuf serializer. Akka consults its default <c>System.Object</c>
    /// binding only after every other binding, so this one wins for every generated message.
    /// </summary>
    public static Config Bindings { get; } = ConfigurationFactory.ParseString($$"""
        akka.actor {
          serializers {
            {{SerializerName}} = "{{SerializerType}}"
          }
          serialization-bindings {
            "Google.Protobuf.IMessage, Google.Protobuf" = {{SerializerName}}
          }
        }
        """);

    /// <summary>
    /// <see cref="Bindings"/> with <c>akka.actor.serialize-messages = on</c>: every message sent inside one process is
    /// serialized and read back, exactly as it will be between machines. The in-process tests run with it.
    /// </summary>
    public static Config SerializeEveryMessage { get; } = ConfigurationFactory.ParseString("""
        akka.actor.serialize-messages = on
        akka.actor.serialize-creators = off
        """).WithFallback(Bindings);
}
