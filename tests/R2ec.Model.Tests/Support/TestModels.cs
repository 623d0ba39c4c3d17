using R2ec.Model.Policy;
using R2ec.Model.Tests.Tokenization;

namespace R2ec.Model.Tests.Support;

/// <summary>Tiny model shapes for tests, sized to the hand-made tokenizer's 265 ids.</summary>
internal static class TestModels
{
    public static Qwen2Config Tiny(bool tied = true) => new()
    {
        VocabSize = 265, HiddenSize = 16, IntermediateSize = 24, NumHiddenLayers = 2, NumAttentionHeads = 4, NumKeyValueHeads = 2,
        MaxPositionEmbeddings = 96, RopeTheta = 1000, RmsNormEps = 1e-6, TieWordEmbeddings = tied,
        BosTokenId = null, EosTokenId = TinyTokenizer.EndOfText, PadTokenId = TinyTokenizer.EndOfText,
    };

    public static R2ecPolicy Policy(ulong seed = 7, bool tied = true) => R2ecPolicy.Create(Tiny(tied), seed, TinyTokenizer.Create());

    /// <summary>A scratch directory removed when disposed.</summary>
    public sealed class TempDir : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "r2ec-model-tests-" + Guid.NewGuid().ToString("N"));

        public TempDir() => Directory.CreateDirectory(Path);

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
