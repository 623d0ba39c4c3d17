namespace R2ec.Shared;

/// <summary>
/// Reads one secret the way deployments hand it over, in one order for every secret of the project: the file a
/// <c>NAME_FILE</c> variable names (a mounted secret at a path of one's choice), else the variable <c>NAME</c> itself,
/// else the file at the secret's default mount point. A file's trailing line break (editors and
/// <c>kubectl create secret --from-file</c> leave one) is not part of the secret.
/// </summary>
/// <remarks>Compiled into each project that reads a secret (Training: the blob token), rather than shared as a public API.</remarks>
internal static class SecretSource
{
    /// <summary>The secret, with where it came from; null when no source holds it.</summary>
    /// <param name="getVariable">Reads an environment variable.</param>
    /// <param name="variable">The variable that holds the secret; <c>{variable}_FILE</c> names a file holding it.</param>
    /// <param name="mountedFile">The default mount point, read when it exists.</param>
    /// <exception cref="FileNotFoundException">The <c>_FILE</c> variable names a file that does not exist (the message names the variable and the path, never a value).</exception>
    public static (string Value, string Source)? Read(Func<string, string?> getVariable, string variable, string mountedFile)
    {
        var fileVariable = variable + "_FILE";
        if (getVariable(fileVariable) is { Length: > 0 } path)
        {
            if (!File.Exists(path))
                throw new FileNotFoundException($"{fileVariable} names '{path}', which does not exist", path);
            return (ReadFile(path), $"the file {fileVariable} names");
        }
        if (getVariable(variable) is { Length: > 0 } value)
            return (value, variable);
        return File.Exists(mountedFile) ? (ReadFile(mountedFile), $"the mounted secret {mountedFile}") : null;
    }

    private static string ReadFile(string path) => File.ReadAllText(path).TrimEnd('\r', '\n');
}
