using System.Text;

namespace R2ec.Model.Tokenization;

/// <summary>
/// Qwen2's ChatML prompt format: each message is <c>&lt;|im_start|&gt;role\ncontent&lt;|im_end|&gt;\n</c>, and a
/// generation prompt <c>&lt;|im_start|&gt;assistant\n</c> follows, optionally with the start of the reply already
/// written (e.g. <see cref="SpecialTokens.Answer"/> for item prompts, whose embedding is read right there). Unlike
/// Hugging Face's Qwen2 template this adds no default system message: the prompt is exactly the messages given.
/// </summary>
public static class ChatTemplate
{
    /// <summary>The prompt text for <paramref name="messages"/>.</summary>
    /// <param name="messages">The conversation so far, in order.</param>
    /// <param name="addGenerationPrompt">Whether to open an assistant message for the model to continue.</param>
    /// <param name="assistantPrefix">Text the opened assistant message starts with; needs <paramref name="addGenerationPrompt"/>.</param>
    /// <exception cref="ArgumentException">A role is empty or holds a line break, or a content or role holds a ChatML delimiter; the message names which.</exception>
    public static string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true, string? assistantPrefix = null)
    {
        if (assistantPrefix is not null && !addGenerationPrompt)
            throw new ArgumentException("an assistant prefix needs the generation prompt", nameof(assistantPrefix));
        var text = new StringBuilder();
        for (var i = 0; i < messages.Count; i++)
        {
            var (role, content) = messages[i];
            if (string.IsNullOrEmpty(role) || role.AsSpan().IndexOfAny('\r', '\n') >= 0 || HoldsDelimiter(role))
                throw new ArgumentException($"message {i}: role '{role}' must be one non-empty line without ChatML delimiters", nameof(messages));
            if (HoldsDelimiter(content))
                throw new ArgumentException($"message {i} ({role}): content holds '{SpecialTokens.ImStart}' or '{SpecialTokens.ImEnd}', which would open or close a message", nameof(messages));
            text.Append(SpecialTokens.ImStart).Append(role).Append('\n').Append(content).Append(SpecialTokens.ImEnd).Append('\n');
        }
        if (addGenerationPrompt)
        {
            if (assistantPrefix is not null && HoldsDelimiter(assistantPrefix))
                throw new ArgumentException($"assistant prefix holds '{SpecialTokens.ImStart}' or '{SpecialTokens.ImEnd}'", nameof(assistantPrefix));
            text.Append(SpecialTokens.ImStart).Append(ChatMessage.Assistant).Append('\n').Append(assistantPrefix);
        }
        return text.ToString();
    }

    /// <summary>The token ids of the prompt <see cref="Render"/> gives; the ChatML delimiters come out as single tokens.</summary>
    /// <exception cref="KeyNotFoundException">The tokenizer lacks <see cref="SpecialTokens.ImStart"/> or <see cref="SpecialTokens.ImEnd"/>.</exception>
    public static int[] Encode(BpeTokenizer tokenizer, IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true, string? assistantPrefix = null)
    {
        // Without the delimiters as added tokens the prompt would encode as plain text and silently mean nothing.
        tokenizer.SpecialTokenId(SpecialTokens.ImStart);
        tokenizer.SpecialTokenId(SpecialTokens.ImEnd);
        return tokenizer.Encode(Render(messages, addGenerationPrompt, assistantPrefix));
    }

    private static bool HoldsDelimiter(string text)
        => text.Contains(SpecialTokens.ImStart, StringComparison.Ordinal) || text.Contains(SpecialTokens.ImEnd, StringComparison.Ordinal);
}
