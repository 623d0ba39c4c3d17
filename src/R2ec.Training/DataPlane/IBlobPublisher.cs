using R2ec.Training.Messages;

namespace R2ec.Training.DataPlane;

/// <summary>
/// The side of the data plane that holds versioned blobs (weights, item tables, checkpoints) and names each by a
/// <see cref="BlobRef"/> small enough to travel in a control message (DESIGN.md §3).
/// </summary>
public interface IBlobPublisher
{
    /// <summary>
    /// Stores <paramref name="content"/> as <paramref name="kind"/> version <paramref name="version"/> and returns the
    /// reference a message carries. Versions are immutable: publishing the same content again returns the same
    /// reference, different content under an existing version throws <see cref="InvalidOperationException"/>.
    /// Older versions of the kind beyond the publisher's retention are dropped.
    /// </summary>
    BlobRef Publish(string kind, ulong version, ReadOnlySpan<byte> content);

    /// <summary>Drops every version of <paramref name="kind"/> older than <paramref name="keepFrom"/>.</summary>
    void Forget(string kind, ulong keepFrom);
}
