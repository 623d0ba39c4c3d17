namespace R2ec.Cli.Tests.Commands;

/// <summary><c>r2ec node</c> refuses roles and nodes that disagree with the configuration before it connects anywhere.</summary>
[NonParallelizable] // the CLI installs the process-wide Serilog logger
public sealed class NodeCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = CliApp.Run(["node", .. args, "--log-format", "json"], output, error);
        return (code, output.ToString(), error.ToString());
    }

    [TestCase(new[] { "--role", "learner,reward", "--node", "learner-0" }, "coordinator and learner must be held by the same process")]
    [TestCase(new[] { "--role", "rollout,evaluator", "--node", "w-1" }, "--role 'evaluator' is not a role")]
    [TestCase(new[] { "--role", "coordinator,learner,reward", "--node", "elsewhere" }, "Cluster:LearnerNode is 'learner-0'")]
    [TestCase(new[] { "--role", "rollout", "--node", "bad/name" }, "node name 'bad/name' must be non-empty")]
    public void BadRolesOrNode_ExitWithTheUsageCode_AndSayWhy(string[] args, string expected)
    {
        var (code, output, error) = Run([.. args, "--set", "Cluster:LearnerNode=learner-0", "--set", "Cluster:RewardNode=learner-0"]);

        Assert.That(code, Is.EqualTo(CliApp.ExitUsage));
        Assert.That(error, Does.Contain(expected));
        Assert.That(output, Is.Empty);
    }

    [Test]
    public void MissingRole_IsAUsageError()
    {
        var (code, _, error) = Run("--node", "w-1");

        Assert.That(code, Is.EqualTo(CliApp.ExitUsage));
        Assert.That(error, Does.Contain("--role"));
    }
}
