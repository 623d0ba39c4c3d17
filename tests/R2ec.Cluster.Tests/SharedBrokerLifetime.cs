using R2ec.Cluster.Tests.Broker;

namespace R2ec.Cluster.Tests;

/// <summary>Stops the shared broker when every test of the assembly is done (a set-up fixture of the root namespace).</summary>
[SetUpFixture]
public sealed class SharedBrokerLifetime
{
    [OneTimeTearDown]
    public void Stop() => SharedBroker.StopIfStarted();
}
