namespace R2ec.Model.Tokenization;

/// <summary>One message of a chat prompt.</summary>
/// <param name="Role">Who speaks: <see cref="System"/>, <see cref="User"/> or <see cref="Assistant"/>.</param>
/// <param name="Content">What is said, as plain text.</param>
public sealed record ChatMessage(string Role, string Content)
{
    /// <summary>The role of instructions that frame the conversation.</summary>
    public const string System = "system";

    /// <summary>The role of the user's request.</summary>
    public const string User = "user";

    /// <summary>The role of the model's reply.</summary>
    public const string Assistant = "assistant";
}
