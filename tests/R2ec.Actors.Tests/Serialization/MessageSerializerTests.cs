using R2ec.Actors.Serialization;

namespace R2ec.Actors.Tests.Serialization;

public sealed class MessageSerializerTests
{
    [Test]
    public void An_envelope_round_trips_with_its_metadata()
    {
        var serializer = Serializer();
        var target = new ActorAddress("node-2", "/user/learner");
        var sender = new ActorAddress("node-1", "/temp/ask-1");
        var bytes = serializer.Serialize(target, new Envelope(Text("hi"), sender, "m-1", "c-9", redelivered: true));

        var (readTarget, envelope) = serializer.Deserialize(bytes);

        Assert.Multiple(() =>
        {
            Assert.That(readTarget, Is.EqualTo(target));
            Assert.That(envelope.Message, Is.EqualTo(Text("hi")));
            Assert.That(envelope.Sender, Is.EqualTo(sender));
            Assert.That(envelope.MessageId, Is.EqualTo("m-1"));
            Assert.That(envelope.CorrelationId, Is.EqualTo("c-9"));
            Assert.That(envelope.Redelivered, Is.True);
        });
    }

    [Test]
    public void An_unregistered_type_is_refused_at_the_sender()
    {
        var serializer = new MessageSerializer([StringValue.Descriptor]);
        var ex = Assert.Throws<MessageSerializationException>(() =>
            serializer.Serialize(new ActorAddress("n", "/user/a"), new Envelope(Int(1), null, "m")));
        Assert.That(ex!.Message, Does.Contain("google.protobuf.Int32Value").And.Contain("/user/a"));
    }

    [Test]
    public void A_message_over_the_control_plane_limit_is_refused()
    {
        var serializer = Serializer(maxBytes: 100);
        var ex = Assert.Throws<MessageSerializationException>(() =>
            serializer.Serialize(new ActorAddress("n", "/user/a"), new Envelope(Text(new string('x', 200)), null, "m")));
        Assert.That(ex!.Message, Does.Contain("by URI"));
    }

    [Test]
    public void Garbage_bytes_are_refused() =>
        Assert.Throws<MessageSerializationException>(() => Serializer().Deserialize(new byte[] { 0xFF, 0xFF, 0xFF }));

    [Test]
    public async Task In_test_mode_a_local_tell_of_an_unregistered_type_fails_at_the_sender()
    {
        await using var system = new ActorSystem("strict", new ActorSystemOptions { Serializer = new MessageSerializer([StringValue.Descriptor]) });
        var actor = system.Spawn("a", LambdaActor.Props((_, _) => { }));
        Assert.Throws<MessageSerializationException>(() => actor.Tell(Int(3)));
    }
}
