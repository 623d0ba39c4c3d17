using R2ec.Data.Datasets;
using R2ec.Data.Prompts;

namespace R2ec.Data.Tests.Prompts;

public class PromptBuilderTests
{
    private const long Hour = 3_600_000;
    private const long Day = 24 * Hour;

    [TestCase(0L, "0d 0.0h ago")]
    [TestCase(3 * Day + 5 * Hour / 2, "3d 2.5h ago")]
    [TestCase(Day - 1, "0d 23.9h ago")]
    [TestCase(Day, "1d 0.0h ago")]
    [TestCase(400 * Day + Hour / 10, "400d 0.1h ago")]
    [TestCase(-Hour, "0d 0.0h ago")]
    public void Ago_reads_whole_days_and_tenths_of_hours(long delta, string expected) =>
        Assert.That(PromptBuilder.Ago(delta), Is.EqualTo(expected));

    [Test]
    public void User_prompt_lists_history_with_ratings_and_ages_relative_to_the_target()
    {
        var target = 100 * Day;
        var prompt = PromptBuilder.UserPrompt(
            [new("Heat (1995)", 4f, target - 3 * Day - 5 * Hour / 2), new("Up (2009)", 3.5f, target - Hour)],
            target, PromptOptions.Paper);

        Assert.Multiple(() =>
        {
            Assert.That(prompt.Messages.Select(m => m.Role), Is.EqualTo(new[] { ChatRole.System, ChatRole.User }));
            Assert.That(prompt.Messages[0].Content, Is.EqualTo(PromptBuilder.UserSystem));
            Assert.That(prompt.Messages[1].Content, Is.EqualTo(
                "The user's history, oldest first:\n" +
                "Heat (1995) (rating: 4.0), 3d 2.5h ago\n" +
                "Up (2009) (rating: 3.5), 0d 1.0h ago\n" +
                "What does the user like, and what will they choose next?"));
            Assert.That(prompt.AssistantPrefix, Is.Empty);
        });
    }

    [Test]
    public void Order_only_history_without_ratings_shows_titles_alone()
    {
        var prompt = PromptBuilder.UserPrompt([new("a", float.NaN, 0), new("b", float.NaN, 1)], null, PromptOptions.Paper);
        Assert.That(prompt.Messages[1].Content, Does.StartWith("The user's history, oldest first:\na\nb\nWhat"));
    }

    [Test]
    public void History_and_titles_are_cut_to_the_options()
    {
        var history = Enumerable.Range(0, 30).Select(i => new HistoryEntry($"t{i} extra words", 1f, 0)).ToList();
        var prompt = PromptBuilder.UserPrompt(history, null, new PromptOptions { MaxHistory = 3, MaxTitleWords = 1 });
        Assert.That(prompt.Messages[1].Content, Is.EqualTo(
            "The user's history, oldest first:\nt27 (rating: 1.0)\nt28 (rating: 1.0)\nt29 (rating: 1.0)\n" +
            "What does the user like, and what will they choose next?"));
    }

    [Test]
    public void Sample_prompt_looks_up_titles_and_uses_the_target_time()
    {
        var items = new[] { Item(1, "One"), Item(2, "Two"), Item(3, "Three") };
        var sample = new Sample(0, "u", 2, [1, 2], [5f, 2f], [0, Day], 3, 4f, 2 * Day);
        var prompt = PromptBuilder.UserPrompt(sample, id => items[id - 1], timed: true, new PromptOptions { MaxHistory = 1 });
        Assert.That(prompt.Messages[1].Content, Does.Contain("\nTwo (rating: 2.0), 1d 0.0h ago\nWhat"));
        Assert.That(prompt.Messages[1].Content, Does.Not.Contain("One"));
    }

    [Test]
    public void Item_prompt_describes_the_item_and_prefills_the_answer_tag()
    {
        var item = new ItemRecord(7, "B01", "Lamp", 4.25f, 1234, "A warm light for a small desk", ["Home", "Lighting"]);
        var prompt = PromptBuilder.ItemPrompt(item, new PromptOptions { MaxDescriptionWords = 4 });
        Assert.Multiple(() =>
        {
            Assert.That(prompt.Messages[0], Is.EqualTo(new ChatMessage(ChatRole.System, PromptBuilder.ItemSystem)));
            Assert.That(prompt.Messages[1].Content, Is.EqualTo(
                "Title: Lamp\nAverage rating: 4.3 (1234 ratings)\nGenres: Home, Lighting\nDescription: A warm light for"));
            Assert.That(prompt.AssistantPrefix, Is.EqualTo(PromptBuilder.AnswerTag));
        });
    }

    [Test]
    public void Item_prompt_leaves_out_what_is_unknown()
    {
        var prompt = PromptBuilder.ItemPrompt(Item(1, "Heat (1995)"), PromptOptions.Paper);
        Assert.That(prompt.Messages[1].Content, Is.EqualTo("Title: Heat (1995)"));
    }

    [Test]
    public void Prompts_are_pure_functions_of_their_inputs()
    {
        var item = new ItemRecord(1, "k", "T", 3f, 2, "d", ["g"]);
        Assert.That(PromptBuilder.ItemPrompt(item, PromptOptions.Compact), Is.EqualTo(PromptBuilder.ItemPrompt(item with { }, PromptOptions.Compact)));
    }

    private static ItemRecord Item(int id, string title) => new(id, id.ToString(), title, null, null, string.Empty, []);
}
