using R2ec.Training.DataPlane;

namespace R2ec.Training.Tests.DataPlane;

/// <summary>Deterministic test content and a started server with its token.</summary>
internal static class BlobServerFixture
{
    public static byte[] Content(int length, int seed)
    {
        var content = new byte[length];
        new Random(seed).NextBytes(content);
        return content;
    }

    public static async Task<(HttpBlobServer Server, BearerToken Token)> StartAsync(Func<bool>? ready = null, Serilog.ILogger? log = null)
    {
        var token = BearerToken.Random();
        var server = await HttpBlobServer.StartAsync(new BlobServerOptions(token) { Ready = ready ?? (() => true) }, log);
        return (server, token);
    }
}
