namespace R2ec.Training.DataPlane;

/// <summary>How a <see cref="HttpBlobServer"/> listens and whom it serves.</summary>
public sealed record BlobServerOptions
{
    /// <summary>Environment variable with the listen URL.</summary>
    public const string ListenVariable = "R2EC_BLOB_LISTEN";

    /// <summary>Environment variable with the URL other nodes reach this server at (a Kubernetes service name).</summary>
    public const string AdvertiseVariable = "R2EC_BLOB_ADVERTISE";

    /// <summary>Creates options; <paramref name="token"/> guards every blob.</summary>
    public BlobServerOptions(BearerToken token) => Token = token;

    /// <summary>The bearer token every blob request must present.</summary>
    public BearerToken Token { get; init; }

    /// <summary>Where to listen: <c>http(s)://address:port</c>; port 0 picks a free port. Loopback by default.</summary>
    public string ListenUrl { get; init; } = "http://127.0.0.1:0";

    /// <summary>The base URL put in blob references, when other nodes reach the server by another name than the bound address.</summary>
    public string? AdvertisedUrl { get; init; }

    /// <summary>Versions kept per kind; older ones are dropped on publish.</summary>
    public int KeepVersions { get; init; } = 2;

    /// <summary>Answers <c>/ready</c>.</summary>
    public Func<bool> Ready { get; init; } = () => true;

    /// <summary>Certificate and key when listening on https.</summary>
    public TlsFiles? Tls { get; init; }

    /// <summary>The node's metrics, when the node already keeps some; a new set otherwise.</summary>
    public NodeMetrics? Metrics { get; init; }

    /// <summary>
    /// Options from the environment: <see cref="ListenVariable"/>, <see cref="AdvertiseVariable"/>, the token
    /// (<see cref="BearerToken.FromEnvironment"/>) and TLS files (<see cref="TlsFiles.FromEnvironment"/>).
    /// </summary>
    public static BlobServerOptions FromEnvironment(Func<string, string?>? getEnvironment = null)
    {
        getEnvironment ??= Environment.GetEnvironmentVariable;
        var listen = getEnvironment(ListenVariable);
        return new BlobServerOptions(BearerToken.FromEnvironment(getEnvironment))
        {
            ListenUrl = string.IsNullOrWhiteSpace(listen) ? "http://0.0.0.0:0" : listen,
            AdvertisedUrl = getEnvironment(AdvertiseVariable) is { Length: > 0 } advertised ? advertised : null,
            Tls = TlsFiles.FromEnvironment(getEnvironment),
        };
    }
}
