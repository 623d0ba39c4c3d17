using System.Text.RegularExpressions;
using Akka.Actor;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using R2ec.TestSupport;
using R2ec.TestSupport.Akka;
using R2ec.Training.Messages;
using R2ec.Training.Serialization;
using R2ec.Training.Tests.Messages;

namespace R2ec.Training.Tests.Serialization;

/// <summary>
/// Every message the job's actors send is bound to <see cref="ProtobufMessageSerializer"/> through Akka's
/// serialization-bindings, never to a reflection-based serializer, and crosses it unchanged.
/// </summary>
public sealed partial class ProtobufMessageSerializerTests
{
    private NUnitTestKit? _kit;

    private NUnitTestKit Kit => _kit ??= new NUnitTestKit(AkkaSerialization.SerializeEveryMessage, "serialization");

    [TearDown]
    public void ShutDownActorSystem()
    {
        _kit?.Dispose();
        _kit = null;
    }

    /// <summary>Top-level messages as the .proto files declare them (package + name), read from the source files.</summary>
    private static List<string> DeclaredMessages()
    {
        var folder = Path.Combine(RepoPaths.Root, "src", "R2ec.Training", "Messages");
        var names = new List<string>();
        foreach (var file in Directory.GetFiles(folder, "*.proto"))
        {
            var text = File.ReadAllText(file);
            var package = PackageLine().Match(text);
            Assert.That(package.Success, Is.True, $"{file}: no package line");
            names.AddRange(MessageLine().Matches(text).Select(m => $"{package.Groups[1].Value}.{m.Groups[1].Value}"));
        }
        Assert.That(names, Is.Not.Empty, $"no messages found in {folder}/*.proto");
        return names;
    }

    private static IEnumerable<MessageDescriptor> AllDescriptors(MessageDescriptor d) => d.NestedTypes.SelectMany(AllDescriptors).Prepend(d);

    [Test]
    public void Every_message_of_the_proto_files_is_known_to_the_serializer()
    {
        Assert.That(ProtobufMessageSerializer.KnownMessages, Is.SupersetOf(DeclaredMessages()),
            "a .proto file's message is missing from AkkaSerialization.Files; add its generated *Reflection.Descriptor there");
    }

    [Test]
    public void Every_message_type_resolves_to_the_protobuf_serializer_not_a_reflection_serializer()
    {
        var serialization = Kit.Sys.Serialization;
        var types = AkkaSerialization.Files.SelectMany(f => f.MessageTypes).SelectMany(AllDescriptors).Select(d => d.ClrType).ToList();
        Assert.That(types, Has.Count.GreaterThanOrEqualTo(DeclaredMessages().Count));
        Assert.Multiple(() =>
        {
            foreach (var type in types)
                Assert.That(serialization.FindSerializerForType(type), Is.InstanceOf<ProtobufMessageSerializer>(), type.FullName);
        });
    }

    private sealed record NotAProtobufMessage(int Value);

    [Test]
    public void A_type_that_is_not_protobuf_falls_to_another_serializer_so_the_check_above_can_fail()
    {
        var serializer = Kit.Sys.Serialization.FindSerializerForType(typeof(NotAProtobufMessage));
        Assert.That(serializer, Is.Not.InstanceOf<ProtobufMessageSerializer>());
    }

    [TestCaseSource(typeof(JobMessagesTests), nameof(JobMessagesTests.Examples))]
    public void Each_message_round_trips_through_akka_serialization(IMessage message)
    {
        var serialization = Kit.Sys.Serialization;
        var serializer = serialization.FindSerializerFor(message);
        var bytes = serializer.ToBinary(message);
        var manifest = ((global::Akka.Serialization.SerializerWithStringManifest)serializer).Manifest(message);
        var back = serialization.Deserialize(bytes, serializer.Identifier, manifest);
        Assert.That(back, Is.EqualTo(message));
        Assert.That(back, Is.Not.SameAs(message));
    }

    [Test]
    public void An_unknown_manifest_is_refused_rather_than_resolved_as_a_type()
    {
        var serializer = (ProtobufMessageSerializer)Kit.Sys.Serialization.FindSerializerForType(typeof(RolloutRequest));
        var error = Assert.Throws<System.Runtime.Serialization.SerializationException>(
            () => serializer.FromBinary([], "System.IO.FileInfo, System.IO.FileSystem"));
        Assert.That(error!.Message, Does.Contain("System.IO.FileInfo"));
    }

    private sealed class Echo : ReceiveActor
    {
        public Echo() => ReceiveAny(m => Sender.Tell(m));
    }

    [Test]
    public void With_serialize_messages_on_a_message_between_two_actors_arrives_as_a_copy_read_back_from_its_bytes()
    {
        var echo = Kit.Sys.ActorOf(Props.Create(() => new Echo()), "echo");
        var request = new RolloutRequest { Step = 3, PolicyVersion = 2, GroupSize = 4, Seed = 42, Samples = { new RolloutSample { SampleIndex = 5, UserIndex = 9 } } };
        echo.Tell(request, Kit.TestActor);
        var back = Kit.ExpectMsg<RolloutRequest>(TimeSpan.FromSeconds(10));
        Assert.That(back, Is.EqualTo(request));
        Assert.That(back, Is.Not.SameAs(request), "serialize-messages = on must hand the receiver a deserialized copy");
    }

    [GeneratedRegex(@"^\s*package\s+([\w.]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex PackageLine();

    [GeneratedRegex(@"^message\s+(\w+)", RegexOptions.Multiline)]
    private static partial Regex MessageLine();
}
