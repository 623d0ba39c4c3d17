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
    /// Reads the token from the file named by <see cref="FileEnvironmentVariable"/>, else from
    /// <see cref="EnvironmentVariable"/>, else from <see cref="DefaultSecretFile"/> (the order of every secret, see
    /// <c>src/Shared/SecretSource.cs</c>).
    /// </summary>
    /// <param name="getEnvironment">Reads a variable; the process environment when null.</param>
    /// <param name="defaultSecretFile">The mounted secret's path; <see cref="DefaultSecretFile"/> when null.</param>
    /// <exception cref="InvalidOperationException">No source holds a token, or a named file is missing or empty.</exception>
    public static BearerToken FromEnvironment(Func<string, string?>? getEnvironment = null, string? defaultSecretFile = null)
    {
        getEnvironment ??= Environment.GetEnvironmentVariable;
        var mounted = defaultSecretFile ?? DefaultSecretFile;
        (string Value, string Source)? secret;
        try
        {
            secret = R2ec.Shared.SecretSource.Read(getEnvironment, EnvironmentVariable, mounted);
        }
        catch (FileNotFoundException e)
        {
            throw new InvalidOperationException($"blob token: {e.Message}", e);
        }
        if (secret is not { } found)
            throw new InvalidOperationException(
                $"no blob token: set {FileEnvironmentVariable} to a secret file, or {EnvironmentVariable}, or mount the secret at {mounted}");
        if (string.IsNullOrWhiteSpace(found.Value))
            throw new InvalidOperationException($"blob token from {found.Source} is empty");
        return new BearerToken(found.Value);
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
