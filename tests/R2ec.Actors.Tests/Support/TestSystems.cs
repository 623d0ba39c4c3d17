using Google.Protobuf.WellKnownTypes;
using R2ec.Actors.Runtime;
using R2ec.Actors.Serialization;
using R2ec.Actors.Supervision;
using ILogger = Serilog.ILogger;

namespace R2ec.Actors.Tests.Support;

internal static class TestSystems
{
    /// <summary>The test message types: protobuf wrappers.</summary>
    public static MessageSerializer Serializer(int maxBytes = 64 * 1024) =>
        new([Int32Value.Descriptor, StringValue.Descriptor], maxBytes);

    /// <summary>A node that round-trips every message through the serializer, as the tests of the runtime run.</summary>
    public static ActorSystem Create(string node = "test", ILogger? logger = null) =>
        new(node, new ActorSystemOptions { Serializer = Serializer() }, logger);

    /// <summary>Supervision in milliseconds instead of seconds, without jitter unless asked.</summary>
    public static SupervisionOptions FastSupervision(int maxRestarts = 10, double jitter = 0) => new()
    {
        MinBackoff = TimeSpan.FromMilliseconds(10),
        MaxBackoff = TimeSpan.FromMilliseconds(40),
        Jitter = jitter,
        MaxRestarts = maxRestarts,
    };

    public static Int32Value Int(int value) => new() { Value = value };

    public static StringValue Text(string value) => new() { Value = value };
}
