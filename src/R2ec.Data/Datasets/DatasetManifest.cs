using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace R2ec.Data.Datasets;

/// <summary>
/// <c>manifest.json</c> of a dataset folder: where the data came from (files and their SHA-256), how it was
/// prepared, what was kept and dropped, the time span, the output files with their SHA-256, and the code version.
/// </summary>
public sealed record DatasetManifest
{
    /// <summary>The manifest layout's version.</summary>
    public int ManifestVersion { get; init; } = 1;

    /// <summary>The source format.</summary>
    public required string Format { get; init; }

    /// <summary>A note shown with the dataset (for example that it is synthetic), or <c>null</c>.</summary>
    public string? Note { get; init; }

    /// <summary>The r2ec version that prepared it (assembly informational version, with the commit when built from git).</summary>
    public required string CodeVersion { get; init; }

    /// <summary>When it was prepared.</summary>
    public required DateTimeOffset CreatedUtc { get; init; }

    /// <summary>The input files.</summary>
    public required IReadOnlyList<SourceFile> Sources { get; init; }

    /// <summary>The preparation parameters.</summary>
    public required PrepareOptions Parameters { get; init; }

    /// <summary>Whether malformed rows were skipped (<c>--skip-bad-rows</c>).</summary>
    public required bool SkipBadRows { get; init; }

    /// <summary>The synthetic generator's options, for synthetic datasets.</summary>
    public SyntheticOptions? Synthetic { get; init; }

    /// <summary>The split applied.</summary>
    public required SplitMode Split { get; init; }

    /// <summary><c>unix-ms</c> when times are Unix milliseconds, <c>event-ordinal</c> for order-only logs.</summary>
    public required string TimeUnit { get; init; }

    /// <summary>What was kept and dropped.</summary>
    public required PreparationCounts Counts { get; init; }

    /// <summary>The earliest kept event, when timed.</summary>
    public DateTimeOffset? FirstTime { get; init; }

    /// <summary>The latest kept event, when timed.</summary>
    public DateTimeOffset? LastTime { get; init; }

    /// <summary>The output files by name, with rows, size and SHA-256.</summary>
    public required IReadOnlyDictionary<string, OutputFile> Files { get; init; }

    /// <summary>The code version of this build.</summary>
    public static string CurrentCodeVersion =>
        typeof(DatasetManifest).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(DatasetManifest).Assembly.GetName().Version?.ToString() ?? "unknown";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        // The manifest is read by people: keep '+' and non-ASCII paths as they are.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The manifest as indented JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Reads a manifest.</summary>
    /// <exception cref="DataFormatException">The file is not a manifest.</exception>
    public static DatasetManifest Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<DatasetManifest>(File.ReadAllText(path), Json)
                ?? throw new DataFormatException(path, 0, null, "the manifest is null");
        }
        catch (JsonException e)
        {
            throw new DataFormatException(path, (e.LineNumber ?? -1) + 1, e.Path, "not a dataset manifest: " + e.Message);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new DataFormatException(path, 0, null, "no manifest.json: not a prepared dataset folder");
        }
    }
}

/// <summary>An output file of a dataset folder.</summary>
/// <param name="Rows">Rows in the table.</param>
/// <param name="Bytes">File size.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the file.</param>
public sealed record OutputFile(long Rows, long Bytes, string Sha256);
