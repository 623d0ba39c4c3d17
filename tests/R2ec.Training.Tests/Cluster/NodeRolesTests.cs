using R2ec.Training.Cluster;
using R2ec.Training.Configuration;

namespace R2ec.Training.Tests.Cluster;

public sealed class NodeRolesTests
{
    private static readonly ClusterOptions Cluster = new() { LearnerNode = "learner-0", RewardNode = "learner-0" };

    [Test]
    public void Parse_TakesCommaListsAndRepeats_AndFormatIsCanonical()
    {
        var roles = NodeRoleNames.Parse(["reward, Learner", "coordinator"]);

        Assert.That(roles, Is.EqualTo(NodeRoles.Coordinator | NodeRoles.Learner | NodeRoles.Reward));
        Assert.That(NodeRoleNames.Format(roles), Is.EqualTo("coordinator,learner,reward"));
        Assert.That(NodeRoleNames.Parse(["rollout"]), Is.EqualTo(NodeRoles.Rollout));
    }

    [TestCase("evaluator", "--role 'evaluator' is not a role")]
    [TestCase("", "--role is required")]
    public void Parse_RejectsUnknownOrMissingRoles(string value, string expected)
    {
        var e = Assert.Throws<ConfigurationException>(() => NodeRoleNames.Parse([value]));
        Assert.That(e!.Message, Does.Contain(expected));
    }

    [Test]
    public void Check_AcceptsTheDocumentedLayout()
    {
        Assert.DoesNotThrow(() => NodeRoleNames.Check(NodeRoles.Coordinator | NodeRoles.Learner | NodeRoles.Reward, "learner-0", Cluster));
        Assert.DoesNotThrow(() => NodeRoleNames.Check(NodeRoles.Rollout, "rollout-3", Cluster));
    }

    [TestCase(NodeRoles.Learner | NodeRoles.Reward, "learner-0", "coordinator and learner must be held by the same process")]
    [TestCase(NodeRoles.Coordinator | NodeRoles.Learner | NodeRoles.Reward, "other", "Cluster:LearnerNode is 'learner-0'")]
    [TestCase(NodeRoles.Reward, "reward-1", "Cluster:RewardNode is 'learner-0'")]
    [TestCase(NodeRoles.Coordinator | NodeRoles.Learner, "learner-0", "is Cluster:RewardNode but does not hold the reward role")]
    public void Check_RejectsRolesOnTheWrongNode(NodeRoles roles, string node, string expected)
    {
        var e = Assert.Throws<ConfigurationException>(() => NodeRoleNames.Check(roles, node, Cluster));
        Assert.That(e!.Message, Does.Contain(expected));
    }
}
