namespace R2ec.Actors.Serialization;

/// <summary>A message that cannot cross the serializer boundary (unregistered type, too large, or corrupt bytes).</summary>
public sealed class MessageSerializationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MessageSerializationException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}
