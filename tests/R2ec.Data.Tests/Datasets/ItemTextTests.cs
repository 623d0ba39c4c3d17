using R2ec.Data.Datasets;

namespace R2ec.Data.Tests.Datasets;

public class ItemTextTests
{
    [TestCase("Tom &amp; Jerry", "Tom & Jerry")]
    [TestCase("It&#39;s  &quot;fine&quot;\n\tok ", "It's \"fine\" ok")]
    [TestCase("  ", "")]
    [TestCase(null, "")]
    public void Clean_unescapes_entities_and_collapses_whitespace(string? raw, string expected) =>
        Assert.That(ItemText.Clean(raw), Is.EqualTo(expected));

    [TestCase("a b c d", 2, "a b")]
    [TestCase("a b", 5, "a b")]
    [TestCase("a b", 0, "")]
    [TestCase("", 3, "")]
    public void FirstWords_cuts_at_whole_words(string text, int words, string expected) =>
        Assert.That(ItemText.FirstWords(text, words), Is.EqualTo(expected));
}
