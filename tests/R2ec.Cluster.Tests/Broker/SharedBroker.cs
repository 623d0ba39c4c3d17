namespace R2ec.Cluster.Tests.Broker;

/// <summary>
/// One private broker for every fixture that asks for it, started on first use and stopped after the last test of the
/// assembly: a broker start costs seconds on a loaded machine. Tests keep apart by using a job of their own.
/// </summary>
internal static class SharedBroker
{
    private static readonly Lazy<RabbitMqBroker> Broker = new(() => RabbitMqBroker.Start(TimeSpan.FromSeconds(120)));

    public static RabbitMqBroker Instance => Broker.Value;

    public static void StopIfStarted()
    {
        if (Broker.IsValueCreated) Broker.Value.Dispose();
    }
}
