namespace R2ec.Data.Prompts;

/// <summary>How long prompts may get: a small model trained from scratch needs them short.</summary>
public sealed record PromptOptions
{
    /// <summary>The paper's lengths: 20 history items, descriptions cut to 100 words, titles whole.</summary>
    public static PromptOptions Paper { get; } = new();

    /// <summary>Lengths for the embedded from-scratch model (about 256 tokens a prompt).</summary>
    public static PromptOptions Compact { get; } = new() { MaxHistory = 8, MaxDescriptionWords = 16, MaxTitleWords = 10 };

    /// <summary>The most recent history items listed; older ones are left out.</summary>
    public int MaxHistory { get; init; } = 20;

    /// <summary>Words of an item's description shown in its item prompt.</summary>
    public int MaxDescriptionWords { get; init; } = 100;

    /// <summary>Words of a title shown; 0 = the whole title.</summary>
    public int MaxTitleWords { get; init; }
}
