namespace R2ec.Actors.Fabric.RabbitMq;

/// <summary>
/// A broker user name and password. The password is readable only inside this assembly and never appears in
/// <see cref="ToString"/>, so options, exceptions and logs that print credentials cannot leak it.
/// </summary>
public sealed class RabbitMqCredentials
{
    /// <summary>Wraps a user name and its password.</summary>
    /// <exception cref="ArgumentException">The user name is empty.</exception>
    public RabbitMqCredentials(string userName, string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(userName);
        ArgumentNullException.ThrowIfNull(password);
        UserName = userName;
        Password = password;
    }

    /// <summary>RabbitMQ's default account, which a broker accepts on loopback only (tests, one machine).</summary>
    public static RabbitMqCredentials Guest { get; } = new("guest", "guest");

    /// <summary>The user name.</summary>
    public string UserName { get; }

    internal string Password { get; }

    /// <summary>The user name with the password hidden.</summary>
    public override string ToString() => $"{UserName} (password hidden)";
}
