using System.Globalization;

namespace R2ec.Actors.Fabric.RabbitMq;

/// <summary>
/// Where and how a <see cref="RabbitMqFabric"/> connects. Credentials come from the environment or from mounted secret
/// files (<see cref="FromEnvironment"/>), never from the command line, and are hidden in <see cref="ToString"/>.
/// Every name the fabric declares starts with <c>r2ec.{Job}</c>, so jobs sharing a broker (or a vhost) never see each other's messages.
/// </summary>
public sealed record RabbitMqFabricOptions
{
    /// <summary>Where a Kubernetes secret with <c>username</c> and <c>password</c> files is mounted by default.</summary>
    public const string DefaultSecretsDirectory = "/var/run/secrets/r2ec/rabbitmq";

    /// <summary>The prefix of every environment variable read by <see cref="FromEnvironment"/>.</summary>
    public const string EnvironmentPrefix = "R2EC_RABBITMQ_";

    /// <summary>Broker host name.</summary>
    public string HostName { get; init; } = "localhost";

    /// <summary>Broker AMQP port (5672 plain, 5671 with TLS).</summary>
    public int Port { get; init; } = 5672;

    /// <summary>Virtual host; one per job gives the strongest isolation where the operator creates them.</summary>
    public string VirtualHost { get; init; } = "/";

    /// <summary>The job's name: prefix of every exchange and queue, so jobs on one vhost stay apart.</summary>
    public string Job { get; init; } = "default";

    /// <summary>Who connects.</summary>
    public RabbitMqCredentials Credentials { get; init; } = RabbitMqCredentials.Guest;

    /// <summary>Whether to connect with TLS.</summary>
    public bool UseTls { get; init; }

    /// <summary>The name the broker's certificate must carry (defaults to <see cref="HostName"/>).</summary>
    public string? TlsServerName { get; init; }

    /// <summary>AMQP heartbeat: a dead connection is noticed within about twice this.</summary>
    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Pause between reconnection attempts while the broker is unreachable.</summary>
    public TimeSpan RecoveryInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one publish waits for the broker's confirm before it is published again.</summary>
    public TimeSpan ConfirmTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a send keeps retrying (broker down, publish not confirmed) before it fails.</summary>
    public TimeSpan PublishTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How many times a pool message may be returned (its handler threw, or its consumer stopped or died before
    /// finishing it) before it goes to the dead-letter queue instead of looping. A job-wide setting: every node must use
    /// the same value.
    /// </summary>
    public int DeliveryLimit { get; init; } = IFabric.DefaultDeliveryLimit;

    /// <summary>Unacknowledged messages a node's own queue hands its consumer at a time.</summary>
    public int NodePrefetch { get; init; } = 64;

    /// <summary>
    /// Unfinished messages an actor's own queue hands the actor at a time (they wait in its mailbox, acknowledged only
    /// once handled). Small, so that what a crash takes back to the queue is small, and the rest waits on the broker.
    /// </summary>
    public int ActorPrefetch { get; init; } = 16;

    /// <summary>
    /// A node's queue (and its actors' and topic queues) is deleted after it has had no consumer for this long: a node
    /// that crashed for good. A node that comes back sooner under the same name finds what waited for its actors.
    /// </summary>
    public TimeSpan AbandonedQueueExpiry { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Channels used for publishing in parallel (each waits for its publisher confirm).</summary>
    public int PublisherChannels { get; init; } = 4;

    /// <summary>
    /// Reads <c>R2EC_RABBITMQ_HOST</c>, <c>_PORT</c>, <c>_VHOST</c>, <c>_JOB</c>, <c>_TLS</c> (true/false),
    /// <c>_TLS_SERVER_NAME</c>, <c>_DELIVERY_LIMIT</c> and the credentials: <c>_USERNAME_FILE</c>/<c>_PASSWORD_FILE</c>
    /// (paths of mounted secret files), else <c>_USERNAME</c>/<c>_PASSWORD</c>, else the files <c>username</c> and
    /// <c>password</c> in <paramref name="secretsDirectory"/>, else the guest account. Unset variables keep the defaults.
    /// </summary>
    /// <param name="getVariable">Reads one variable (defaults to the process environment).</param>
    /// <param name="secretsDirectory">Where a secret volume is mounted.</param>
    /// <exception cref="FormatException">A variable holds a value of the wrong form; the message names it (never the password).</exception>
    public static RabbitMqFabricOptions FromEnvironment(Func<string, string?>? getVariable = null, string secretsDirectory = DefaultSecretsDirectory)
    {
        getVariable ??= Environment.GetEnvironmentVariable;
        string? Get(string name) => getVariable(EnvironmentPrefix + name) is { Length: > 0 } v ? v : null;
        var defaults = new RabbitMqFabricOptions();
        var useTls = Get("TLS") is { } tls ? ParseBool("TLS", tls) : defaults.UseTls;
        return new RabbitMqFabricOptions
        {
            HostName = Get("HOST") ?? defaults.HostName,
            Port = Get("PORT") is { } port ? ParseInt("PORT", port, 1, 65535) : useTls ? 5671 : defaults.Port,
            VirtualHost = Get("VHOST") ?? defaults.VirtualHost,
            Job = Get("JOB") ?? defaults.Job,
            UseTls = useTls,
            TlsServerName = Get("TLS_SERVER_NAME"),
            DeliveryLimit = Get("DELIVERY_LIMIT") is { } limit ? ParseInt("DELIVERY_LIMIT", limit, 1, 1000) : defaults.DeliveryLimit,
            Credentials = ReadCredentials(Get, secretsDirectory),
        };
    }

    /// <summary>The job's name checked for use in broker names.</summary>
    /// <exception cref="ArgumentException">The job name is empty or holds characters outside [A-Za-z0-9._-].</exception>
    internal string CheckedJob()
    {
        if (Job.Length == 0 || !Job.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            throw new ArgumentException($"job name '{Job}' must be non-empty and use only letters, digits, '.', '_' and '-'");
        return Job;
    }

    private static RabbitMqCredentials ReadCredentials(Func<string, string?> get, string secretsDirectory)
    {
        var user = ReadSecret(get, "USERNAME", Path.Combine(secretsDirectory, "username"));
        var password = ReadSecret(get, "PASSWORD", Path.Combine(secretsDirectory, "password"));
        if (user is null && password is null) return RabbitMqCredentials.Guest;
        if (user is null || password is null)
            throw new FormatException(
                $"{EnvironmentPrefix}{(user is null ? "USERNAME" : "PASSWORD")} (or its _FILE, or the file in {secretsDirectory}) is missing while the other credential is set");
        return new RabbitMqCredentials(user, password);
    }

    private static string? ReadSecret(Func<string, string?> get, string name, string mounted)
    {
        try
        {
            return R2ec.Shared.SecretSource.Read(v => get(v[EnvironmentPrefix.Length..]), EnvironmentPrefix + name, mounted)?.Value;
        }
        catch (FileNotFoundException e)
        {
            throw new FormatException(e.Message, e);
        }
    }

    private static int ParseInt(string name, string text, int min, int max) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max
            ? v
            : throw new FormatException($"{EnvironmentPrefix}{name} is '{text}'; expected an integer from {min} to {max}");

    private static bool ParseBool(string name, string text) =>
        bool.TryParse(text, out var v) ? v : throw new FormatException($"{EnvironmentPrefix}{name} is '{text}'; expected true or false");
}
