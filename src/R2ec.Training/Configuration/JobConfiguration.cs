using System.Collections;
using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Configuration;

namespace R2ec.Training.Configuration;

/// <summary>
/// Loads <see cref="JobOptions"/> from a JSON file (or the embedded <c>local.json</c>), then
/// environment variables (<c>R2EC__Section__Key</c>), then <c>--set Section:Key=value</c>, later sources winning.
/// Every key of every source is checked against the options schema, so a typo fails at start, named.
/// </summary>
public static class JobConfiguration
{
    /// <summary>Prefix of environment variables that override configuration keys.</summary>
    public const string EnvironmentPrefix = "R2EC__";

    /// <summary>Name of the embedded default configuration.</summary>
    public const string EmbeddedDefaultName = "local.json";

    /// <summary>Loads, checks and validates the configuration.</summary>
    /// <param name="configPath">A JSON file, or null for the embedded default (<c>cluster-config/local.json</c>).</param>
    /// <param name="sets">Overrides in the form <c>Section:Key=value</c>.</param>
    /// <param name="environment">Environment variables to read overrides from; null reads the process environment.</param>
    /// <exception cref="ConfigurationException">A missing file, malformed JSON, unknown key, bad value or value out of range.</exception>
    public static JobOptions Load(string? configPath, IEnumerable<string> sets, IDictionary? environment = null)
    {
        var layers = new List<(string Source, IConfigurationProvider Provider)>
        {
            configPath is null ? ("embedded " + EmbeddedDefaultName, EmbeddedDefault()) : (configPath, FromFile(configPath)),
            ("environment", FromEnvironment(environment ?? Environment.GetEnvironmentVariables())),
            ("--set", FromSets(sets)),
        };

        var options = new JobOptions();
        foreach (var (source, provider) in layers)
            Apply(options, provider, source);
        options.Validate();
        return options;
    }

    /// <summary>The configuration as indented JSON, for the log and for checkpoints.</summary>
    public static string ToJson(JobOptions options) => JsonSerializer.Serialize(options, JsonOptions);

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    private static IConfigurationProvider EmbeddedDefault()
    {
        var stream = typeof(JobConfiguration).Assembly.GetManifestResourceStream(EmbeddedDefaultName)
            ?? throw new InvalidOperationException("the embedded default configuration is missing from the build");
        var data = ParseJson(stream, "embedded " + EmbeddedDefaultName);
        return Build(new ConfigurationBuilder().AddInMemoryCollection(data));
    }

    private static IConfigurationProvider FromFile(string path)
    {
        if (!File.Exists(path))
            throw new ConfigurationException($"configuration file '{path}' does not exist");
        using var stream = File.OpenRead(path);
        return Build(new ConfigurationBuilder().AddInMemoryCollection(ParseJson(stream, path)));
    }

    // The JSON provider's own errors omit the line; parsing once ourselves gives the user file and line.
    private static Dictionary<string, string?> ParseJson(Stream stream, string source)
    {
        try
        {
            var builder = new ConfigurationBuilder().AddJsonStream(stream).Build();
            return builder.AsEnumerable().Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value);
        }
        catch (FormatException e)
        {
            throw new ConfigurationException($"configuration file '{source}' is not valid JSON: {e.InnerException?.Message ?? e.Message}");
        }
        catch (JsonException e)
        {
            throw new ConfigurationException($"configuration file '{source}' is not valid JSON: {e.Message}");
        }
    }

    private static IConfigurationProvider FromEnvironment(IDictionary environment)
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in environment)
        {
            if (entry.Key is string name && name.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase))
                data[name[EnvironmentPrefix.Length..].Replace("__", ConfigurationPath.KeyDelimiter)] = entry.Value as string;
        }
        return Build(new ConfigurationBuilder().AddInMemoryCollection(data));
    }

    private static IConfigurationProvider FromSets(IEnumerable<string> sets)
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var set in sets)
        {
            var eq = set.IndexOf('=');
            if (eq <= 0)
                throw new ConfigurationException($"--set '{set}' is not of the form Section:Key=value");
            data[set[..eq].Trim()] = set[(eq + 1)..];
        }
        return Build(new ConfigurationBuilder().AddInMemoryCollection(data));
    }

    private static IConfigurationProvider Build(IConfigurationBuilder builder) => builder.Build().Providers.Single();

    private static void Apply(JobOptions options, IConfigurationProvider provider, string source)
    {
        foreach (var sectionName in provider.GetChildKeys([], null).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var sectionProperty = FindProperty(typeof(JobOptions), sectionName)
                ?? throw new ConfigurationException(
                    $"unknown configuration section '{sectionName}' (from {source}); known sections: {KnownNames(typeof(JobOptions))}");
            var section = sectionProperty.GetValue(options)!;

            if (provider.TryGet(sectionName, out var flat) && flat is not null)
                throw new ConfigurationException($"configuration key '{sectionName}' (from {source}) is a section and cannot take a value");

            foreach (var keyName in provider.GetChildKeys([], sectionName).Distinct(StringComparer.OrdinalIgnoreCase))
            {
                var path = sectionProperty.Name + ConfigurationPath.KeyDelimiter + keyName;
                var property = FindProperty(section.GetType(), keyName)
                    ?? throw new ConfigurationException(
                        $"unknown configuration key '{path}' (from {source}); known keys of '{sectionProperty.Name}': {KnownNames(section.GetType())}");
                if (provider.GetChildKeys([], sectionName + ConfigurationPath.KeyDelimiter + keyName).Any())
                    throw new ConfigurationException($"configuration key '{path}' (from {source}) takes a value, not a section");
                provider.TryGet(sectionName + ConfigurationPath.KeyDelimiter + keyName, out var raw);
                // An empty value clears a nullable key; a key that must hold text gets the empty text, which its rule then judges.
                var value = string.IsNullOrEmpty(raw) && property.PropertyType == typeof(string)
                    && new NullabilityInfoContext().Create(property).WriteState == NullabilityState.NotNull
                    ? ""
                    : Convert(raw, property.PropertyType, path, source);
                property.SetValue(section, value);
            }
        }
    }

    private static object? Convert(string? raw, Type type, string path, string source)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        if (string.IsNullOrEmpty(raw))
        {
            if (!type.IsValueType || Nullable.GetUnderlyingType(type) is not null)
                return null;
            throw new ConfigurationException($"configuration key '{path}' (from {source}) needs a value");
        }
        if (target.IsEnum)
        {
            if (Enum.TryParse(target, raw, ignoreCase: true, out var value) && Enum.IsDefined(target, value!) && !char.IsDigit(raw[0]))
                return value;
            throw new ConfigurationException(
                $"configuration key '{path}' (from {source}) has value '{raw}'; expected one of {string.Join(", ", Enum.GetNames(target))}");
        }
        try
        {
            return TypeDescriptor.GetConverter(target).ConvertFromString(null, CultureInfo.InvariantCulture, raw);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException or NotSupportedException)
        {
            throw new ConfigurationException(
                $"configuration key '{path}' (from {source}) has value '{raw}', which is not a valid {FriendlyName(target)}");
        }
    }

    private static string FriendlyName(Type t) => t == typeof(int) || t == typeof(long) ? "integer"
        : t == typeof(ulong) || t == typeof(uint) ? "non-negative integer"
        : t == typeof(double) || t == typeof(float) ? "number"
        : t == typeof(bool) ? "boolean (true or false)"
        : t.Name;

    private static PropertyInfo? FindProperty(Type type, string name) =>
        type.GetProperty(name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase) is { CanWrite: true } p ? p : null;

    private static string KnownNames(Type type) =>
        string.Join(", ", type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).Select(p => p.Name));
}
