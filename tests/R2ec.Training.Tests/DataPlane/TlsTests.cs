using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using R2ec.Training.DataPlane;

namespace R2ec.Training.Tests.DataPlane;

public sealed class TlsTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("r2ec-tls-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private (TlsFiles Files, X509Certificate2 Certificate) SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var files = new TlsFiles(Path.Combine(_dir, "tls.crt"), Path.Combine(_dir, "tls.key"));
        File.WriteAllText(files.CertificateFile, certificate.ExportCertificatePem());
        File.WriteAllText(files.KeyFile, key.ExportPkcs8PrivateKeyPem());
        return (files, certificate);
    }

    [Test]
    public async Task OverHttps_TheFetcherGetsVerifiedBytes_FromTheMountedCertificate()
    {
        var (files, certificate) = SelfSigned();
        var token = BearerToken.Random();
        await using var server = await HttpBlobServer.StartAsync(new BlobServerOptions(token) { ListenUrl = "https://127.0.0.1:0", Tls = files });
        var content = BlobServerFixture.Content(100_000, 10);
        var blob = server.Publish("weights", 1, content);
        Assert.That(blob.Uri, Does.StartWith("https://"));

        // The worker trusts exactly the learner's certificate (in a cluster: the CA from a mounted secret).
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented?.Thumbprint == certificate.Thumbprint };
        using var client = new HttpClient(handler);
        using var fetcher = new HttpBlobFetcher(token, client);
        Assert.That(await fetcher.FetchAsync(blob), Is.EqualTo(content));
    }

    [Test]
    public void TlsAndServerSettings_ComeFromTheEnvironment()
    {
        var environment = new Dictionary<string, string>
        {
            [BearerToken.EnvironmentVariable] = "t",
            [BlobServerOptions.ListenVariable] = "https://0.0.0.0:8443",
            [BlobServerOptions.AdvertiseVariable] = "https://learner.r2ec.svc:8443",
            [TlsFiles.CertificateVariable] = "/secrets/tls.crt",
            [TlsFiles.KeyVariable] = "/secrets/tls.key",
        };
        var options = BlobServerOptions.FromEnvironment(environment.GetValueOrDefault);
        Assert.That(options.ListenUrl, Is.EqualTo("https://0.0.0.0:8443"));
        Assert.That(options.AdvertisedUrl, Is.EqualTo("https://learner.r2ec.svc:8443"));
        Assert.That(options.Tls, Is.EqualTo(new TlsFiles("/secrets/tls.crt", "/secrets/tls.key")));

        environment.Remove(TlsFiles.KeyVariable);
        var e = Assert.Throws<InvalidOperationException>(() => BlobServerOptions.FromEnvironment(environment.GetValueOrDefault));
        Assert.That(e!.Message, Does.Contain(TlsFiles.KeyVariable));
    }
}
