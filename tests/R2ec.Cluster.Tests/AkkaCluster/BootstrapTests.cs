using System.Net;
using Akka.Actor;
using Akka.Hosting;
using R2ec.Cluster.Tests.Deployment;
using R2ec.Training.Cluster;
using R2ec.Training.Configuration;
using R2ec.Training.DataPlane;
using R2ec.Training.Messages;
using Serilog;

namespace R2ec.Cluster.Tests.AkkaCluster;

/// <summary>The Akka.Cluster bootstrap in one process: the keys' validation, the settings Akka runs with, health, leave, frame size.</summary>
public sealed class BootstrapTests
{
    private static readonly ILogger Silent = Serilog.Core.Logger.None;

    private static ClusterOptions Local(int remotingPort, int minimumRollout = 0, string? seeds = null) => Repository.Options(
        "Cluster:RemotingHost=127.0.0.1", "Cluster:PublicHostname=127.0.0.1", $"Cluster:RemotingPort={remotingPort}",
        $"Cluster:Seeds={seeds ?? $"127.0.0.1:{remotingPort}"}", "Cluster:EndpointsListen=http://127.0.0.1:0",
        $"Cluster:MinimumRolloutNodes={minimumRollout}").Cluster;

    [TestCase("Cluster:Seeds=learner-0", "Cluster:Seeds")]
    [TestCase("Cluster:Seeds=learner-0:0", "Cluster:Seeds")]
    [TestCase("Cluster:Seeds=", "Cluster:Seeds")]
    [TestCase("Cluster:AcceptableHeartbeatPauseSeconds=0.5", "Cluster:AcceptableHeartbeatPauseSeconds")]
    [TestCase("Cluster:StableAfterSeconds=0", "Cluster:StableAfterSeconds")]
    [TestCase("Cluster:MaximumFrameSizeBytes=1000", "Cluster:MaximumFrameSizeBytes")]
    [TestCase("Cluster:SystemName=r2ec.job", "Cluster:SystemName")]
    [TestCase("Cluster:RemotingPort=70000", "Cluster:RemotingPort")]
    public void A_bad_key_is_named(string set, string key) =>
        Assert.That(() => Repository.Options(set), Throws.InstanceOf<ConfigurationException>().With.Message.Contains(key));

    [Test]
    public void Seeds_become_addresses_of_the_job_system_with_the_learner_first()
    {
        var cluster = Repository.Options("Cluster:Seeds=r2ec-learner-0.r2ec-learner:2552, 10.0.0.7:2553").Cluster;
        Assert.That(ClusterBootstrap.SeedAddresses(cluster),
            Is.EqualTo(new[] { "akka.tcp://r2ec@r2ec-learner-0.r2ec-learner:2552", "akka.tcp://r2ec@10.0.0.7:2553" }));
        Assert.That(ClusterBootstrap.SeedAddresses(Repository.Options("Cluster:RemotingTls=true").Cluster),
            Is.EqualTo(new[] { "akka.ssl.tcp://r2ec@r2ec-learner-0.r2ec-learner:2552" }), "a TLS node loads only the ssl transport");
        Assert.That(ClusterBootstrap.AkkaRoles(NodeRoles.Coordinator | NodeRoles.Learner | NodeRoles.Reward), Is.EqualTo(new[] { "learner", "reward" }));
    }

    [Test]
    public void Remoting_tls_without_certificate_files_is_refused_by_name()
    {
        var cluster = Repository.Options("Cluster:RemotingTls=true").Cluster;
        Assert.That(() => ClusterBootstrap.LoadCertificate(cluster, _ => null),
            Throws.InstanceOf<ConfigurationException>().With.Message.Contains(ClusterBootstrap.TlsCertificateVariable));
        Assert.That(() => ClusterBootstrap.LoadCertificate(cluster, v => v == ClusterBootstrap.TlsCertificateVariable ? "/nonexistent/tls.crt" : "/nonexistent/tls.key"),
            Throws.InstanceOf<ConfigurationException>().With.Message.Contains("/nonexistent/tls.crt"));
        Assert.That(ClusterBootstrap.LoadCertificate(Repository.Options().Cluster, _ => throw new AssertionException("TLS off reads no variable")), Is.Null);
    }

    [Test]
    public async Task A_member_runs_with_the_jobs_settings_is_ready_only_when_up_and_loaded_and_leaves_with_exit_code_0()
    {
        var port = Ports.Free();
        var loaded = false;
        await using var member = await ClusterMember.StartAsync(Local(port), NodeRoles.Learner, () => Volatile.Read(ref loaded), new NodeMetrics(), Silent);
        var config = member.System.Settings.Config;
        Assert.Multiple(() =>
        {
            Assert.That(config.GetString("akka.cluster.split-brain-resolver.active-strategy"), Is.EqualTo("keep-oldest"));
            Assert.That(config.GetString("akka.cluster.split-brain-resolver.keep-oldest.role"), Is.EqualTo("learner"));
            Assert.That(config.GetBoolean("akka.cluster.split-brain-resolver.keep-oldest.down-if-alone"), Is.False);
            Assert.That(config.GetTimeSpan("akka.cluster.split-brain-resolver.stable-after"), Is.EqualTo(TimeSpan.FromSeconds(5)));
            Assert.That(config.GetTimeSpan("akka.cluster.failure-detector.heartbeat-interval"), Is.EqualTo(TimeSpan.FromSeconds(1)));
            Assert.That(config.GetTimeSpan("akka.cluster.failure-detector.acceptable-heartbeat-pause"), Is.EqualTo(TimeSpan.FromSeconds(3)));
            Assert.That(config.GetInt("akka.cluster.role.rollout.min-nr-of-members"), Is.EqualTo(0));
            Assert.That(config.GetBoolean("akka.coordinated-shutdown.run-by-clr-shutdown-hook"), Is.False, "SIGTERM is the node's to handle");
            Assert.That(config.GetStringList("akka.cluster.roles"), Is.EqualTo(new[] { "learner" }));
            Assert.That(member.Address.ToString(), Is.EqualTo($"akka.tcp://r2ec@127.0.0.1:{port}"));
        });

        using var http = new HttpClient { BaseAddress = member.Endpoints };
        Assert.That((await http.GetAsync("/alive")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        await Until(() => Akka.Cluster.Cluster.Get(member.System).SelfMember.Status == Akka.Cluster.MemberStatus.Up, "the member is Up");
        Assert.That((await http.GetAsync("/ready")).StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "Up, but the node has not loaded");
        Volatile.Write(ref loaded, true);
        Assert.That((await http.GetAsync("/ready")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await http.GetAsync("/metrics")).StatusCode, Is.EqualTo(HttpStatusCode.OK));

        var exit = await member.LeaveAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.That(exit.ExitCode, Is.EqualTo(0), exit.Reason);
    }

    [Test]
    public async Task A_message_at_the_frame_limit_crosses_remoting_and_one_above_fails_at_the_sender()
    {
        var seedPort = Ports.Free();
        var received = new TaskCompletionSource<WarmUpStep>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var learner = await ClusterMember.StartAsync(Local(seedPort), NodeRoles.Learner, () => true, new NodeMetrics(), Silent,
            akka => akka.WithActors((system, _) => system.ActorOf(Props.Create(() => new Catcher(received)), "catcher")));
        var workerPort = Ports.Free();
        await using var worker = await ClusterMember.StartAsync(Local(workerPort, seeds: $"127.0.0.1:{seedPort}"), NodeRoles.Rollout, () => true, new NodeMetrics(), Silent);
        var frame = worker.System.Settings.Config.GetInt("akka.remote.dot-netty.tcp.maximum-frame-size");
        Assert.That(frame, Is.EqualTo(128000), "Cluster:MaximumFrameSizeBytes reaches the transport");
        var target = await worker.System.ActorSelection($"akka.tcp://r2ec@127.0.0.1:{seedPort}/user/catcher").ResolveOne(TimeSpan.FromSeconds(20));

        var largest = OfSize(RemoteFrame.MaximumPayload(frame));
        var tooLarge = OfSize(RemoteFrame.MaximumPayload(frame) + 1);
        var refused = Assert.Throws<MessageTooLargeException>(() => target.TellChecked(tooLarge, frame));
        Assert.That(refused!.Message, Does.Contain(WarmUpStep.Descriptor.FullName).And.Contain("Cluster:MaximumFrameSizeBytes = 128000"));

        target.TellChecked(largest, frame);
        var arrived = await received.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.That(arrived.Stage, Has.Length.EqualTo(largest.Stage.Length));
    }

    [Test]
    public async Task Two_members_join_over_remoting_tls()
    {
        var folder = Directory.CreateTempSubdirectory("r2ec-tls-");
        try
        {
            using var key = System.Security.Cryptography.RSA.Create(2048);
            var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=r2ec-test", key,
                System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
            var (certFile, keyFile) = (Path.Combine(folder.FullName, "tls.crt"), Path.Combine(folder.FullName, "tls.key"));
            await File.WriteAllTextAsync(certFile, certificate.ExportCertificatePem());
            await File.WriteAllTextAsync(keyFile, key.ExportPkcs8PrivateKeyPem());
            Environment.SetEnvironmentVariable(ClusterBootstrap.TlsCertificateVariable, certFile);
            Environment.SetEnvironmentVariable(ClusterBootstrap.TlsKeyVariable, keyFile);
            var seedPort = Ports.Free();
            ClusterOptions Tls(int port, string seeds) => Repository.Options(
                "Cluster:RemotingHost=127.0.0.1", "Cluster:PublicHostname=127.0.0.1", $"Cluster:RemotingPort={port}", $"Cluster:Seeds={seeds}",
                "Cluster:EndpointsListen=http://127.0.0.1:0", "Cluster:MinimumRolloutNodes=1", "Cluster:RemotingTls=true",
                "Cluster:RemotingTlsSkipValidation=true").Cluster;
            await using var learner = await ClusterMember.StartAsync(Tls(seedPort, $"127.0.0.1:{seedPort}"), NodeRoles.Learner, () => true, new NodeMetrics(), Silent);
            await using var worker = await ClusterMember.StartAsync(Tls(Ports.Free(), $"127.0.0.1:{seedPort}"), NodeRoles.Rollout, () => true, new NodeMetrics(), Silent);
            Assert.That(worker.System.Settings.Config.GetBoolean("akka.remote.dot-netty.tcp.enable-ssl"), Is.True);
            await Until(() => Akka.Cluster.Cluster.Get(learner.System).State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up) == 2,
                "both members are Up over TLS");
        }
        finally
        {
            Environment.SetEnvironmentVariable(ClusterBootstrap.TlsCertificateVariable, null);
            Environment.SetEnvironmentVariable(ClusterBootstrap.TlsKeyVariable, null);
            folder.Delete(recursive: true);
        }
    }

    /// <summary>A job message (its one string field padded) whose serialized size is exactly <paramref name="bytes"/>.</summary>
    private static WarmUpStep OfSize(int bytes)
    {
        var message = new WarmUpStep { Stage = new string('x', bytes) };
        while (message.CalculateSize() > bytes)
            message.Stage = message.Stage[..^1];
        Assert.That(message.CalculateSize(), Is.EqualTo(bytes));
        return message;
    }

    private static async Task Until(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"timed out waiting until {what}");
            await Task.Delay(50);
        }
    }

    private sealed class Catcher : ReceiveActor
    {
        public Catcher(TaskCompletionSource<WarmUpStep> received) => Receive<WarmUpStep>(m => received.TrySetResult(m));
    }
}
