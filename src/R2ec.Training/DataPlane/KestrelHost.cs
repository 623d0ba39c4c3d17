using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace R2ec.Training.DataPlane;

/// <summary>Builds the small Kestrel hosts of a node: one listen address, optional TLS from PEM files, no ASP.NET logging.</summary>
internal static class KestrelHost
{
    /// <summary>
    /// A slim builder listening on <paramref name="listenUrl"/> (port 0 picks a free port). Configuration from
    /// command-line arguments is not read: secrets never come from there. ASP.NET's own console logging is removed
    /// so request headers can never reach a log; the node logs through Serilog.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(string listenUrl, TlsFiles? tls)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        if (!Uri.TryCreate(listenUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            throw new ArgumentException($"listen URL '{listenUrl}' is not an http(s)://address:port URL", nameof(listenUrl));
        var address = url.Host == "localhost" ? System.Net.IPAddress.Loopback
            : System.Net.IPAddress.TryParse(url.DnsSafeHost, out var parsed) ? parsed
            : throw new ArgumentException($"listen URL '{listenUrl}': the host must be an IP address (0.0.0.0 for every interface) or localhost", nameof(listenUrl));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(address, url.Port, listen =>
            {
                if (url.Scheme == Uri.UriSchemeHttps)
                    listen.UseHttps((tls ?? throw new ArgumentException($"listen URL {listenUrl} is https but no TLS certificate is configured")).Load());
            });
        });
        return builder;
    }

    /// <summary>The address the started <paramref name="app"/> is bound to, with the port Kestrel picked.</summary>
    public static Uri BoundAddress(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
        var bound = new Uri(addresses.First());
        // Kestrel reports a wildcard bind as 0.0.0.0 or [::]; a local client reaches it on loopback.
        return bound.Host is "0.0.0.0" or "[::]" ? new UriBuilder(bound) { Host = "127.0.0.1" }.Uri : bound;
    }
}

/// <summary>A TLS certificate and key as PEM files (a mounted Kubernetes TLS secret: <c>tls.crt</c>, <c>tls.key</c>).</summary>
/// <param name="CertificateFile">Path of the PEM certificate (chain).</param>
/// <param name="KeyFile">Path of the PEM private key.</param>
public sealed record TlsFiles(string CertificateFile, string KeyFile)
{
    /// <summary>Environment variable naming the certificate file.</summary>
    public const string CertificateVariable = "R2EC_BLOB_TLS_CERT_FILE";

    /// <summary>Environment variable naming the key file.</summary>
    public const string KeyVariable = "R2EC_BLOB_TLS_KEY_FILE";

    /// <summary>The files named by <see cref="CertificateVariable"/> and <see cref="KeyVariable"/>, or null when neither is set.</summary>
    /// <exception cref="InvalidOperationException">Only one of the two is set.</exception>
    public static TlsFiles? FromEnvironment(Func<string, string?>? getEnvironment = null) =>
        FromVariables(CertificateVariable, KeyVariable, getEnvironment);

    /// <summary>The files named by <paramref name="certificateVariable"/> and <paramref name="keyVariable"/>, or null when neither is set.</summary>
    /// <exception cref="InvalidOperationException">Only one of the two is set.</exception>
    public static TlsFiles? FromVariables(string certificateVariable, string keyVariable, Func<string, string?>? getEnvironment = null)
    {
        getEnvironment ??= Environment.GetEnvironmentVariable;
        var (cert, key) = (getEnvironment(certificateVariable), getEnvironment(keyVariable));
        if (string.IsNullOrWhiteSpace(cert) && string.IsNullOrWhiteSpace(key))
            return null;
        if (string.IsNullOrWhiteSpace(cert) || string.IsNullOrWhiteSpace(key))
            throw new InvalidOperationException($"TLS needs both {certificateVariable} and {keyVariable}");
        return new TlsFiles(cert, key);
    }

    internal X509Certificate2 Load()
    {
        foreach (var file in new[] { CertificateFile, KeyFile })
            if (!File.Exists(file))
                throw new InvalidOperationException($"TLS file '{file}' does not exist");
        return X509Certificate2.CreateFromPemFile(CertificateFile, KeyFile);
    }
}
