namespace R2ec.Actors.Addressing;

/// <summary>
/// Where a message goes: a node and a path. Paths name one actor (<c>/user/learner</c>, <c>/user/rollout-3</c>),
/// a temporary Ask receiver (<c>/temp/…</c>), a pool of competing consumers (<c>/pool/rollout</c>: each message goes to
/// one member) or a broadcast topic (<c>/topic/weights</c>: each message goes to every subscriber). Pools and topics
/// span the whole fabric, so their node is <see cref="AnyNode"/>. Written as <c>r2ec://node/path</c>.
/// </summary>
public sealed record ActorAddress
{
    /// <summary>The node of pool and topic addresses, which belong to no single node.</summary>
    public const string AnyNode = "*";

    private const string Scheme = "r2ec://";

    /// <summary>Creates an address after checking the node and the path.</summary>
    /// <exception cref="ArgumentException">The node or a path segment is empty or holds characters outside [A-Za-z0-9._-].</exception>
    public ActorAddress(string node, string path)
    {
        if (node != AnyNode) CheckName(node, "node");
        if (!path.StartsWith('/') || path.Length == 1)
            throw new ArgumentException($"actor path '{path}' must start with '/' and name something", nameof(path));
        foreach (var segment in path[1..].Split('/'))
            CheckName(segment, $"segment of path '{path}'");
        var isShared = path.StartsWith("/pool/", StringComparison.Ordinal) || path.StartsWith("/topic/", StringComparison.Ordinal);
        if (isShared != (node == AnyNode))
            throw new ArgumentException($"address '{node}{path}': pools and topics (and only they) use the node '{AnyNode}'", nameof(node));
        Node = node;
        Path = path;
    }

    /// <summary>The node (one process of the job), or <see cref="AnyNode"/> for pools and topics.</summary>
    public string Node { get; }

    /// <summary>The path on the node, e.g. <c>/user/learner</c>.</summary>
    public string Path { get; }

    /// <summary>Whether this names a pool of competing consumers.</summary>
    public bool IsPool => Path.StartsWith("/pool/", StringComparison.Ordinal);

    /// <summary>Whether this names a broadcast topic.</summary>
    public bool IsTopic => Path.StartsWith("/topic/", StringComparison.Ordinal);

    /// <summary>The last path segment: the actor's, pool's or topic's name.</summary>
    public string Name => Path[(Path.LastIndexOf('/') + 1)..];

    /// <summary>The address of a pool of competing consumers.</summary>
    public static ActorAddress Pool(string name) => new(AnyNode, "/pool/" + name);

    /// <summary>The address of a broadcast topic.</summary>
    public static ActorAddress Topic(string name) => new(AnyNode, "/topic/" + name);

    /// <summary>The address of a child of this actor.</summary>
    public ActorAddress Child(string name) => new(Node, Path + "/" + name);

    /// <summary>Parses <c>r2ec://node/path</c>.</summary>
    /// <exception cref="FormatException">The text is not such an address.</exception>
    public static ActorAddress Parse(string text)
    {
        var slash = text.StartsWith(Scheme, StringComparison.Ordinal) ? text.IndexOf('/', Scheme.Length) : -1;
        if (slash < 0)
            throw new FormatException($"'{text}' is not an actor address of the form {Scheme}node/path");
        try
        {
            return new ActorAddress(text[Scheme.Length..slash], text[slash..]);
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"'{text}' is not a valid actor address: {e.Message}", e);
        }
    }

    /// <inheritdoc />
    public override string ToString() => Scheme + Node + Path;

    private static void CheckName(string name, string what)
    {
        if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            throw new ArgumentException($"{what} '{name}' must be non-empty and use only letters, digits, '.', '_' and '-'");
    }
}
