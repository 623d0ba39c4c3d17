namespace R2ec.Training.Configuration;

/// <summary>
/// A configuration problem found at start: an unknown key, a value of the wrong type or out of range.
/// The message names the key and where it came from, so the user can fix it without reading code.
/// </summary>
public sealed class ConfigurationException(string message) : Exception(message);
