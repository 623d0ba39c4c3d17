namespace R2ec.Training.Checkpoints;

/// <summary>A checkpoint that is missing, incomplete or whose content does not match its manifest.</summary>
public sealed class CheckpointException(string message) : Exception(message);
