using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace R2ec.Training.DataPlane;

/// <summary>
/// The shared secret that guards the blob endpoint. It is read from the environment or a mounted secret file, never
/// from the command line, and its text never appears in <see cref="ToString"/>, logs or exception messages.
/// </summary>
public sealed class BearerToken
{
    /// <summary>Environment variable holding the token itself.</summary>
    public const string EnvironmentVariable = "R2EC_BLOB_TOKEN";

    /// <summary>Environment variable naming a file that holds the token (a Kubernetes secret volume).</summary>
    public const string FileEnvironmentVariable = "R2EC_BLOB_TOKEN_FILE";

    /// <summary>Where a Kubernetes secret volume mounts the token when neither variable is set.</summary>
    public const string DefaultSecretFile = "/var/run/secrets/r2ec/blob/token";

    private readonly string _value;
    private readonly byte[] _digest;

    /// <summary>Wraps a token; surrounding white space (a secret file's trailing newline) is dropped.</summary>
    /// <exception cref="ArgumentException">The token is empty.</exception>
    public BearerToken(string value)
    {
        _value = value.Trim();
        if (_value.Length == 0)
            throw new ArgumentException("the blob token is empty", nameof(value));
        _digest = SHA256.HashData(Encoding.UTF8.GetBytes(_value));
    }

    /// <summary>A new random token (256 bits), for a single process or a test.</summary>
    public static BearerToken Random() => new(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));

    /// <summary>
    /// Reads the token from <see cref="EnvironmentVariable"/>, else from the file named by
    /// <see cref="FileEnvironmentVariable"/>, else from <see cref="DefaultSecretFile"/>.
    /// </summary>
    /// <param name="getEnvironment">Reads a variable; the process environment when null.</param>
    /// <param name="defaultSecretFile">The mounted secret's path; <see cref="DefaultSecretFile"/> when null.</param>
    /// <exception cref="InvalidOperationException">No source holds a token, or a named file is missing or empty.</exception>
    public static BearerToken FromEnvironment(Func<string, string?>? getEnvironment = null, string? defaultSecretFile = null)
    {
        getEnvironment ??= Environment.GetEnvironmentVariable;
        var direct = getEnvironment(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(direct))
            return new BearerToken(direct);
        var file = getEnvironment(FileEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(file))
            return FromFile(file, FileEnvironmentVariable);
        file = defaultSecretFile ?? DefaultSecretFile;
        if (File.Exists(file))
            return FromFile(file, "the default secret mount");
        throw new InvalidOperationException(
            $"no blob token: set {EnvironmentVariable}, or {FileEnvironmentVariable} to a secret file, or mount the secret at {file}");
    }

    private static BearerToken FromFile(string path, string source)
    {
        if (!File.Exists(path))
            throw new InvalidOperationException($"blob token file '{path}' (from {source}) does not exist");
        var text = File.ReadAllText(path);
        if (string.IsNullOrWhiteSpace(text))
            throw new InvalidOperationException($"blob token file '{path}' (from {source}) is empty");
        return new BearerToken(text);
    }

    /// <summary>The Authorization header a client sends.</summary>
    internal AuthenticationHeaderValue Header => new("Bearer", _value);

    /// <summary>
    /// Whether an Authorization header value presents this token. Both sides are hashed first so the comparison takes
    /// the same time whatever the presented length or the position of the first differing byte.
    /// </summary>
    internal bool IsPresentedBy(string? authorization)
    {
        const string prefix = "Bearer ";
        if (authorization is null || !authorization.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            return false;
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(authorization[prefix.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(presented, _digest);
    }

    /// <summary>Never the token: a placeholder, so a token that reaches a log by accident shows nothing.</summary>
    public override string ToString() => "BearerToken(***)";
}
