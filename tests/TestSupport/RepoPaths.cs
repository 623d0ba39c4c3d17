namespace R2ec.TestSupport;

/// <summary>Where the repository and the shared data beside it are, found from the test binary's folder.</summary>
internal static class RepoPaths
{
    /// <summary>The repository root: the folder holding <c>R2ec.Distributed.sln</c>.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary><c>../shared</c> beside the repository: real datasets, Parquet conformance files, the PyTorch reference.</summary>
    public static string Shared => Path.GetFullPath(Path.Combine(Root, "..", "shared"));

    /// <summary>A path under <see cref="Shared"/>; fails the test with a clear message when it is missing.</summary>
    public static string SharedFile(params string[] parts)
    {
        var path = Path.Combine([Shared, .. parts]);
        if (!File.Exists(path) && !Directory.Exists(path))
            Assert.Fail($"shared test data '{path}' is missing: ../shared must sit beside the repository");
        return path;
    }

    /// <summary>
    /// The <c>r2ec.dll</c> built beside the test assembly (same configuration; tests/run-tests.sh builds the solution
    /// first); <c>R2EC_CLI_DLL</c> points at another build, e.g. to show a case failing before a fix.
    /// </summary>
    public static string CliDll
    {
        get
        {
            if (Environment.GetEnvironmentVariable("R2EC_CLI_DLL") is { Length: > 0 } other)
                return other;
#if DEBUG
            const string configuration = "Debug";
#else
            const string configuration = "Release";
#endif
            var path = Path.Combine(Root, "src", "R2ec.Cli", "bin", configuration, "net10.0", "r2ec.dll");
            if (!File.Exists(path))
                Assert.Fail($"{path} is missing: build the solution (dotnet build R2ec.Distributed.sln -c {configuration}) first");
            return path;
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "R2ec.Distributed.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    }
}
