using System.Collections;
using R2ec.RecPO;
using R2ec.TestSupport;
using R2ec.Training.Configuration;

namespace R2ec.Training.Tests.Configuration;

public sealed class JobConfigurationTests
{
    private static readonly IDictionary NoEnvironment = new Hashtable();
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("r2ec-config-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string WriteConfig(string json)
    {
        var path = Path.Combine(_dir, "job.json");
        File.WriteAllText(path, json);
        return path;
    }

    [Test]
    public void EmbeddedDefault_MatchesTheCommittedLocalJson()
    {
        var embedded = JobConfiguration.Load(null, [], NoEnvironment);
        var committed = JobConfiguration.Load(Path.Combine(RepoPaths.Root, "cluster-config", "local.json"), [], NoEnvironment);

        Assert.That(JobConfiguration.ToJson(embedded), Is.EqualTo(JobConfiguration.ToJson(committed)));
        Assert.That(embedded.Rollout.GroupSize, Is.EqualTo(4));
        Assert.That(embedded.RecPO.Advantage, Is.EqualTo(AdvantageKind.Gaussian));
    }

    [Test]
    public void File_OverridesDefaults_AndLeavesOtherKeysAtTheirDefault()
    {
        var options = JobConfiguration.Load(WriteConfig("""{ "Rollout": { "GroupSize": 8 } }"""), [], NoEnvironment);

        Assert.That(options.Rollout.GroupSize, Is.EqualTo(8));
        Assert.That(options.Rollout.TopK, Is.EqualTo(new RolloutOptions().TopK));
    }

    [Test]
    public void Precedence_IsFileThenEnvironmentThenSet()
    {
        var path = WriteConfig("""{ "Rollout": { "GroupSize": 8, "TopK": 10, "Temperature": 1.5 } }""");
        var env = new Hashtable { ["R2EC__Rollout__GroupSize"] = "16", ["R2EC__Rollout__TopK"] = "20", ["OTHER__Rollout__TopK"] = "99" };

        var options = JobConfiguration.Load(path, ["Rollout:GroupSize=32"], env);

        Assert.Multiple(() =>
        {
            Assert.That(options.Rollout.GroupSize, Is.EqualTo(32), "--set beats environment and file");
            Assert.That(options.Rollout.TopK, Is.EqualTo(20), "environment beats file");
            Assert.That(options.Rollout.Temperature, Is.EqualTo(1.5), "file beats defaults");
        });
    }

    [Test]
    public void KeysAndEnumValues_AreCaseInsensitive()
    {
        var options = JobConfiguration.Load(null, ["recpo:advantage=leaveoneout", "ROLLOUT:WORKERS=2"], NoEnvironment);

        Assert.That(options.RecPO.Advantage, Is.EqualTo(AdvantageKind.LeaveOneOut));
        Assert.That(options.Rollout.Workers, Is.EqualTo(2));
    }

    [TestCase("Nope:Key=1", "unknown configuration section 'Nope' (from --set)")]
    [TestCase("Rollout:GroupSzie=8", "unknown configuration key 'Rollout:GroupSzie' (from --set)")]
    [TestCase("Rollout:GroupSize=eight", "'Rollout:GroupSize' (from --set) has value 'eight', which is not a valid integer")]
    [TestCase("Rollout:GroupSize=1", "'Rollout:GroupSize' must be at least 2")]
    [TestCase("RecPO:Advantage=ppo", "expected one of Gaussian, LeaveOneOut")]
    [TestCase("RecPO:Advantage=1", "expected one of Gaussian, LeaveOneOut")]
    [TestCase("RecPO:Beta=1.5", "'RecPO:Beta' must be in [0, 1]")]
    [TestCase("Run:Seed=-1", "'Run:Seed' (from --set) has value '-1', which is not a valid non-negative integer")]
    [TestCase("GroupSize", "--set 'GroupSize' is not of the form Section:Key=value")]
    [TestCase("Learner:MaxStaleness=9", "'Learner:MaxStaleness' must be in [0, 8]")]
    [TestCase("Learner:MaxStaleness=-1", "'Learner:MaxStaleness' must be in [0, 8]")]
    [TestCase("Learner:ImportanceCap=0.5", "'Learner:ImportanceCap' must be a finite number ≥ 1")]
    [TestCase("Model:Heads=3", "'Model:Heads' must divide Model:HiddenSize")]
    [TestCase("RecPO:RelabelK=5", "'RecPO:RelabelK' must not exceed Rollout:GroupSize (4)")]
    [TestCase("Learner:OptimizerStepPer=Sometimes", "expected one of MiniBatch, Epoch, Step")]
    [TestCase("Faults:RolloutFailStep=-2", "'Faults:RolloutFailStep' must be -1 (off) or a step number")]
    public void BadSet_FailsWithAMessageNamingTheKey(string set, string expected)
    {
        var e = Assert.Throws<ConfigurationException>(() => JobConfiguration.Load(null, [set], NoEnvironment));
        Assert.That(e!.Message, Does.Contain(expected));
    }

    [TestCase("RecPO:ItemNegatives=InBatch", "'RecPO:ItemNegatives' must be Table when Learner:MaxStaleness > 0")]
    [TestCase("Cluster:BlobKeepVersions=2", "'Cluster:BlobKeepVersions' must be at least Learner:MaxStaleness + 1 (3)")]
    public void PipelinedMode_RefusesSettingsItCannotCorrectOrServe(string set, string expected)
    {
        var e = Assert.Throws<ConfigurationException>(() => JobConfiguration.Load(null, ["Learner:MaxStaleness=2", set], NoEnvironment));
        Assert.That(e!.Message, Does.Contain(expected));
        Assert.That(JobConfiguration.Load(null, ["Learner:MaxStaleness=1"], NoEnvironment).Learner.MaxStaleness, Is.EqualTo(1));
    }

    [Test]
    public void UnknownEnvironmentKey_NamesTheEnvironmentAsSource()
    {
        var env = new Hashtable { ["R2EC__Rollout__Groups"] = "3" };
        var e = Assert.Throws<ConfigurationException>(() => JobConfiguration.Load(null, [], env));
        Assert.That(e!.Message, Does.Contain("'Rollout:Groups' (from environment)"));
    }

    [Test]
    public void UnknownFileKey_NamesTheFile()
    {
        var path = WriteConfig("""{ "RecPO": { "Bta": 0.1 } }""");
        var e = Assert.Throws<ConfigurationException>(() => JobConfiguration.Load(path, [], NoEnvironment));
        Assert.That(e!.Message, Does.Contain($"'RecPO:Bta' (from {path})").And.Contain("known keys of 'RecPO'"));
    }

    [Test]
    public void MalformedJson_NamesTheFile()
    {
        var path = WriteConfig("{ \"Rollout\": { \"GroupSize\": 4, }\n  oops }");
        var e = Assert.Throws<ConfigurationException>(() => JobConfiguration.Load(path, [], NoEnvironment));
        Assert.That(e!.Message, Does.Contain(path).And.Contain("not valid JSON"));
    }

    [Test]
    public void MissingFile_IsNamed()
    {
        var path = Path.Combine(_dir, "absent.json");
        var e = Assert.Throws<ConfigurationException>(() => JobConfiguration.Load(path, [], NoEnvironment));
        Assert.That(e!.Message, Does.Contain(path).And.Contain("does not exist"));
    }

    [Test]
    public void SectionGivenAValue_IsRejected()
    {
        var e = Assert.Throws<ConfigurationException>(() => JobConfiguration.Load(null, ["Rollout=3"], NoEnvironment));
        Assert.That(e!.Message, Does.Contain("'Rollout' (from --set) is a section"));
    }
}
