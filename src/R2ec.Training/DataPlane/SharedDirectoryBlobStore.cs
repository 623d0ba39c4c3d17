using System.Globalization;
using R2ec.Shared;
using R2ec.Training.Messages;

namespace R2ec.Training.DataPlane;

/// <summary>
/// The data plane on a shared volume (a Kubernetes volume every node mounts at the same path): blob
/// <c>kind</c> version <c>v</c> is the file <c>root/kind/v.blob</c>, named by a <c>file://</c> URI, written atomically
/// so a reader never sees part of it, and verified against its reference on every read.
/// </summary>
public sealed class SharedDirectoryBlobStore : IBlobPublisher, IBlobFetcher
{
    private const string Extension = ".blob";
    private readonly string _root;
    private readonly int _keepVersions;

    /// <summary>A store under <paramref name="root"/> keeping the newest <paramref name="keepVersions"/> of each kind.</summary>
    public SharedDirectoryBlobStore(string root, int keepVersions = 2)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentOutOfRangeException.ThrowIfLessThan(keepVersions, 1);
        _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        _keepVersions = keepVersions;
    }

    /// <summary>The file that holds <paramref name="kind"/> version <paramref name="version"/>.</summary>
    public string PathOf(string kind, ulong version)
    {
        BlobDigest.CheckKind(kind);
        return Path.Combine(_root, kind, version.ToString(CultureInfo.InvariantCulture) + Extension);
    }

    /// <inheritdoc/>
    public BlobRef Publish(string kind, ulong version, ReadOnlySpan<byte> content)
    {
        var path = PathOf(kind, version);
        var blob = new BlobRef { Uri = new Uri(path).AbsoluteUri, Sha256 = BlobDigest.Sha256Hex(content), SizeBytes = (ulong)content.Length };
        if (File.Exists(path))
        {
            var existing = AtomicFile.Sha256Hex(path);
            if (existing != blob.Sha256)
                throw new InvalidOperationException($"blob {kind} version {version} already exists at {path} with different content (sha256 {existing}, new {blob.Sha256})");
            return blob;
        }
        AtomicFile.WriteAllBytes(path, content);
        var versions = VersionsOf(kind);
        foreach (var old in versions.Take(Math.Max(0, versions.Count - _keepVersions)))
            File.Delete(PathOf(kind, old));
        return blob;
    }

    /// <inheritdoc/>
    public void Forget(string kind, ulong keepFrom)
    {
        BlobDigest.CheckKind(kind);
        foreach (var version in VersionsOf(kind).Where(v => v < keepFrom))
            File.Delete(PathOf(kind, version));
    }

    /// <inheritdoc/>
    /// <exception cref="BlobFetchException">The URI is not a file under this store's root, or the file is missing.</exception>
    public async Task<byte[]> FetchAsync(BlobRef blob, CancellationToken cancellationToken = default)
    {
        if (!Uri.TryCreate(blob.Uri, UriKind.Absolute, out var uri) || !uri.IsFile)
            throw new BlobFetchException(blob.Uri, "not a file:// URI");
        // A message names the file; only files of this store are read, whatever the message says.
        var path = Path.GetFullPath(uri.LocalPath);
        if (!path.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new BlobFetchException(blob.Uri, $"outside the shared blob directory {_root}");
        var file = new FileInfo(path);
        if (!file.Exists)
            throw new BlobFetchException(blob.Uri, "no such file (dropped by retention, or the volume is not mounted)");
        if ((ulong)file.Length != blob.SizeBytes)
            throw new BlobIntegrityException(blob.Uri, $"size {file.Length} bytes, the reference says {blob.SizeBytes}");
        var content = await File.ReadAllBytesAsync(path, cancellationToken);
        BlobDigest.Verify(blob, content);
        return content;
    }

    private List<ulong> VersionsOf(string kind)
    {
        var dir = Path.Combine(_root, kind);
        if (!Directory.Exists(dir))
            return [];
        var versions = new List<ulong>();
        foreach (var file in Directory.EnumerateFiles(dir, "*" + Extension))
            if (ulong.TryParse(Path.GetFileNameWithoutExtension(file), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
                versions.Add(version);
        versions.Sort();
        return versions;
    }
}
