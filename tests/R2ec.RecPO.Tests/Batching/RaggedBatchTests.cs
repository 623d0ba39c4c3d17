using R2ec.RecPO;

namespace R2ec.RecPO.Tests.Batching;

public sealed class RaggedBatchTests
{
    [Test]
    public void Packs_sequences_end_to_end_with_offsets()
    {
        var batch = RaggedBatch.Pack([[1, 2], [3]], [[10, 11, 12], [20, 21]]);
        Assert.Multiple(() =>
        {
            Assert.That(batch.Tokens, Is.EqualTo(new[] { 1, 2, 10, 11, 12, 3, 20, 21 }));
            Assert.That(batch.Offsets, Is.EqualTo(new[] { 0, 5, 8 }));
            Assert.That(batch.CompletionOffsets, Is.EqualTo(new[] { 0, 3, 5 }));
            Assert.That(batch.TokenMask, Is.EqualTo(new[] { 0f, 0f, 1f, 1f, 1f, 0f, 1f, 1f }));
            Assert.That(batch.PredictingPositions, Is.EqualTo(new[] { 1, 2, 3, 5, 6 }));
            Assert.That(batch.PredictingPosition(1, 1), Is.EqualTo(6));
        });
    }

    [Test]
    public void Rejects_an_empty_prompt() =>
        Assert.Throws<ArgumentException>(() => RaggedBatch.Pack([[]], [[1]]));
}
