namespace R2ec.Tensors.SafeTensors;

/// <summary>A safetensors file that cannot be read as asked; the message names the file and, where known, the tensor.</summary>
public sealed class SafeTensorsException : IOException
{
    /// <summary>Creates the error for <paramref name="path"/>.</summary>
    public SafeTensorsException(string path, string message, Exception? inner = null)
        : base($"{path}: {message}", inner) => FilePath = path;

    /// <summary>The file.</summary>
    public string FilePath { get; }
}
