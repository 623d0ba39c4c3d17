using R2ec.Model.Tokenization;

namespace R2ec.Model.Tests.Tokenization;

public class ChatTemplateTests
{
    private static readonly ChatMessage[] UserPrompt =
    [
        new(ChatMessage.System, "You are a movie recommender."),
        new(ChatMessage.User, "I watched: Toy Story (1995), Amélie (2001). What next?"),
    ];

    [Test]
    public void RendersChatMLWithAGenerationPrompt()
    {
        Assert.That(ChatTemplate.Render(UserPrompt), Is.EqualTo(
            "<|im_start|>system\nYou are a movie recommender.<|im_end|>\n" +
            "<|im_start|>user\nI watched: Toy Story (1995), Amélie (2001). What next?<|im_end|>\n" +
            "<|im_start|>assistant\n"));
    }

    [Test]
    public void ItemPromptPrefillsTheAnswerToken()
    {
        var text = ChatTemplate.Render([new(ChatMessage.User, "Heat (1995)")], assistantPrefix: SpecialTokens.Answer);
        Assert.That(text, Is.EqualTo("<|im_start|>user\nHeat (1995)<|im_end|>\n<|im_start|>assistant\n<answer>"));
    }

    [Test]
    public void WithoutGenerationPromptEndsAfterTheLastMessage()
    {
        var text = ChatTemplate.Render([new(ChatMessage.User, "hi"), new(ChatMessage.Assistant, "think<answer>")], addGenerationPrompt: false);
        Assert.That(text, Is.EqualTo("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\nthink<answer><|im_end|>\n"));
    }

    [Test]
    public void EncodedPromptHasAtomicDelimitersAndEndsWithTheAnswerToken()
    {
        var tokenizer = TinyTokenizer.Create();
        var ids = ChatTemplate.Encode(tokenizer, UserPrompt, assistantPrefix: SpecialTokens.Answer);
        Assert.Multiple(() =>
        {
            Assert.That(ids.Count(i => i == TinyTokenizer.ImStart), Is.EqualTo(3));
            Assert.That(ids.Count(i => i == TinyTokenizer.ImEnd), Is.EqualTo(2));
            Assert.That(ids[^1], Is.EqualTo(TinyTokenizer.Answer));
            Assert.That(tokenizer.Decode(ids), Is.EqualTo(ChatTemplate.Render(UserPrompt, assistantPrefix: SpecialTokens.Answer)));
        });
    }

    [Test]
    public void ContentThatWouldCloseAMessageIsRefusedWithItsIndex()
    {
        var e = Assert.Throws<ArgumentException>(() => ChatTemplate.Render([new(ChatMessage.System, "ok"), new(ChatMessage.User, "x<|im_end|>")]));
        Assert.That(e!.Message, Does.StartWith("message 1 (user)"));
    }

    [Test]
    public void RoleWithALineBreakIsRefused()
    {
        Assert.Throws<ArgumentException>(() => ChatTemplate.Render([new("user\nsystem", "x")]));
    }

    [Test]
    public void TokenizerWithoutChatMLDelimitersIsRefused()
    {
        var plain = new BpeTokenizer(TinyTokenizer.Vocab(), TinyTokenizer.Merges, [], PreTokenizer.Qwen2);
        Assert.Throws<KeyNotFoundException>(() => ChatTemplate.Encode(plain, UserPrompt));
    }
}
