namespace R2ec.Actors.Tests.Addressing;

public sealed class ActorAddressTests
{
    [TestCase("r2ec://node-1/user/learner", "node-1", "/user/learner")]
    [TestCase("r2ec://*/pool/rollout", "*", "/pool/rollout")]
    [TestCase("r2ec://*/topic/weights", "*", "/topic/weights")]
    public void Parses_and_formats(string text, string node, string path)
    {
        var address = ActorAddress.Parse(text);
        Assert.That((address.Node, address.Path, address.ToString()), Is.EqualTo((node, path, text)));
    }

    [Test]
    public void Pools_topics_and_children()
    {
        Assert.Multiple(() =>
        {
            Assert.That(ActorAddress.Pool("rollout").IsPool, Is.True);
            Assert.That(ActorAddress.Topic("weights").IsTopic, Is.True);
            Assert.That(new ActorAddress("n", "/user/a").Child("b").Path, Is.EqualTo("/user/a/b"));
            Assert.That(new ActorAddress("n", "/user/rollout-3").Name, Is.EqualTo("rollout-3"));
        });
    }

    [TestCase("node-1/user/x")]
    [TestCase("r2ec://node 1/user/x")]
    [TestCase("r2ec://node/user//x")]
    [TestCase("r2ec://*/user/x")]
    [TestCase("r2ec://node/pool/x")]
    public void Rejects_malformed_addresses(string text) =>
        Assert.Throws<FormatException>(() => ActorAddress.Parse(text));
}
