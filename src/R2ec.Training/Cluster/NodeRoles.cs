using R2ec.Training.Configuration;

namespace R2ec.Training.Cluster;

/// <summary>The roles one <c>r2ec node</c> process can hold; a process may hold several.</summary>
[Flags]
public enum NodeRoles
{
    /// <summary>No role.</summary>
    None = 0,
    /// <summary>Drives the job: stages, steps, checkpoints, evaluation (must share its process with the learner).</summary>
    Coordinator = 1,
    /// <summary>Holds the policy and optimizer, learns, publishes weights and item tables.</summary>
    Learner = 2,
    /// <summary>Samples trajectory groups: a member of the rollout pool.</summary>
    Rollout = 4,
    /// <summary>Turns groups into rewards and advantages.</summary>
    Reward = 8,
}

/// <summary>Parsing and checking of <see cref="NodeRoles"/>.</summary>
public static class NodeRoleNames
{
    private static readonly (string Name, NodeRoles Role)[] Names =
    [
        ("coordinator", NodeRoles.Coordinator), ("learner", NodeRoles.Learner), ("rollout", NodeRoles.Rollout), ("reward", NodeRoles.Reward),
    ];

    /// <summary>Parses a comma-separated list such as <c>coordinator,learner,reward</c> (repeated <c>--role</c> options are joined first).</summary>
    /// <exception cref="ConfigurationException">An unknown or missing role.</exception>
    public static NodeRoles Parse(IEnumerable<string> values)
    {
        var roles = NodeRoles.None;
        foreach (var part in values.SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)))
        {
            var match = Names.FirstOrDefault(n => string.Equals(n.Name, part, StringComparison.OrdinalIgnoreCase));
            if (match.Name is null)
                throw new ConfigurationException($"--role '{part}' is not a role; roles: {string.Join(", ", Names.Select(n => n.Name))}");
            roles |= match.Role;
        }
        if (roles == NodeRoles.None)
            throw new ConfigurationException($"--role is required: one or more of {string.Join(", ", Names.Select(n => n.Name))}");
        return roles;
    }

    /// <summary>The roles as the comma-separated list a node announces, in a fixed order.</summary>
    public static string Format(NodeRoles roles) => string.Join(",", Names.Where(n => roles.HasFlag(n.Role)).Select(n => n.Name));

    /// <summary>
    /// Checks that <paramref name="node"/> may hold <paramref name="roles"/> under <paramref name="cluster"/>: the
    /// coordinator and the learner share one process (checkpoints are written from the learner's memory) on
    /// <c>Cluster:LearnerNode</c>, and the reward role runs on <c>Cluster:RewardNode</c>, since the other nodes address them there.
    /// </summary>
    /// <exception cref="ConfigurationException">The node name is malformed, or the roles and the node do not agree with the configuration.</exception>
    public static void Check(NodeRoles roles, string node, ClusterOptions cluster)
    {
        if (node.Length == 0 || !node.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            throw new ConfigurationException($"node name '{node}' must be non-empty and use only letters, digits, '.', '_' and '-'");
        if (roles.HasFlag(NodeRoles.Coordinator) != roles.HasFlag(NodeRoles.Learner))
            throw new ConfigurationException("roles coordinator and learner must be held by the same process: the coordinator writes checkpoints from the learner's memory");
        if (roles.HasFlag(NodeRoles.Learner) && node != cluster.LearnerNode)
            throw new ConfigurationException($"this node is '{node}' but Cluster:LearnerNode is '{cluster.LearnerNode}': other nodes address the learner there");
        if (roles.HasFlag(NodeRoles.Reward) && node != cluster.RewardNode)
            throw new ConfigurationException($"this node is '{node}' but Cluster:RewardNode is '{cluster.RewardNode}': other nodes address the reward actor there");
        if (!roles.HasFlag(NodeRoles.Reward) && node == cluster.RewardNode)
            throw new ConfigurationException($"this node '{node}' is Cluster:RewardNode but does not hold the reward role");
    }
}
