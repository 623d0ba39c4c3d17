namespace R2ec.Data.Datasets;

/// <summary>What a reader does with a malformed row.</summary>
public enum BadRowPolicy
{
    /// <summary>Stop with a <see cref="DataFormatException"/> naming file, line and field.</summary>
    Fail,

    /// <summary>Skip the row and count it; the count is recorded in the manifest.</summary>
    Skip,
}
