namespace R2ec.Data.Prompts;

/// <summary>Who speaks a chat turn.</summary>
public enum ChatRole
{
    /// <summary>The instructions the model is given.</summary>
    System,

    /// <summary>The request: a user's history, or an item to describe.</summary>
    User,

    /// <summary>The model's turn.</summary>
    Assistant,
}

/// <summary>One turn of a chat: its role and its text, before any chat template is applied.</summary>
/// <param name="Role">Who speaks.</param>
/// <param name="Content">What is said.</param>
public readonly record struct ChatMessage(ChatRole Role, string Content);

/// <summary>
/// A prompt as chat turns plus the start of the assistant turn the model continues from. The tokenizer renders the
/// chat template (<c>&lt;|im_start|&gt;role\n…&lt;|im_end|&gt;</c>), opens the assistant turn and appends
/// <see cref="AssistantPrefix"/> unterminated.
/// </summary>
/// <param name="Messages">The complete turns, in order.</param>
/// <param name="AssistantPrefix">Text prefilled in the open assistant turn (empty: the model writes from the start).</param>
public sealed record ChatPrompt(IReadOnlyList<ChatMessage> Messages, string AssistantPrefix)
{
    /// <summary>Value equality over the turns' contents.</summary>
    public bool Equals(ChatPrompt? other) =>
        other is not null && AssistantPrefix == other.AssistantPrefix && Messages.SequenceEqual(other.Messages);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Messages.Count, AssistantPrefix);
}
