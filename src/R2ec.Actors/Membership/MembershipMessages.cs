using Google.Protobuf.Reflection;

namespace R2ec.Actors.Membership;

/// <summary>The membership messages, for the serializer of a fabric that carries them.</summary>
public static class MembershipMessages
{
    /// <summary>Descriptors to register with <see cref="Serialization.MessageSerializer"/>.</summary>
    public static IReadOnlyList<MessageDescriptor> Descriptors { get; } = [MemberHeartbeat.Descriptor, MembershipTick.Descriptor];
}
