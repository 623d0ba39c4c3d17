using System.Text;
using R2ec.Model.Policy;
using R2ec.Model.Tests.Support;

namespace R2ec.Model.Tests.Policy;

public class Qwen2ConfigTests
{
    [Test]
    public void SaveThenLoadGivesTheSameConfigAndTheSameBytes()
    {
        var config = TestModels.Tiny(tied: false) with { RopeTheta = 1000000.0, RmsNormEps = 1e-5 };
        var json = config.ToJson();
        var back = Qwen2Config.Parse(json);
        Assert.That(back, Is.EqualTo(config));
        Assert.That(back.ToJson(), Is.EqualTo(json));
    }

    [Test]
    public void ReadsAQwen25StyleConfigWithExtraFieldsAndAnEosList()
    {
        const string json = """
        {"architectures":["Qwen2ForCausalLM"],"attention_dropout":0.0,"bos_token_id":151643,"eos_token_id":[151645,151643],
         "hidden_act":"silu","hidden_size":896,"initializer_range":0.02,"intermediate_size":4864,"max_position_embeddings":32768,
         "max_window_layers":21,"model_type":"qwen2","num_attention_heads":14,"num_hidden_layers":24,"num_key_value_heads":2,
         "rms_norm_eps":1e-06,"rope_theta":1000000.0,"sliding_window":32768,"tie_word_embeddings":true,"torch_dtype":"bfloat16",
         "transformers_version":"4.43.1","use_cache":true,"use_sliding_window":false,"vocab_size":151936,"rope_scaling":null}
        """;
        var c = Qwen2Config.Parse(Encoding.UTF8.GetBytes(json));
        Assert.Multiple(() =>
        {
            Assert.That(c.HiddenSize, Is.EqualTo(896));
            Assert.That(c.HeadDim, Is.EqualTo(64));
            Assert.That(c.NumKeyValueHeads, Is.EqualTo(2));
            Assert.That(c.EosTokenId, Is.EqualTo(151645));
            Assert.That(c.PadTokenId, Is.Null);
            Assert.That(c.RopeTheta, Is.EqualTo(1e6));
            Assert.That(c.TieWordEmbeddings, Is.True);
        });
    }

    [TestCase("\"hidden_size\": 15", "hidden_size 15 is not a multiple of num_attention_heads 4")]
    [TestCase("\"num_key_value_heads\": 3", "num_attention_heads 4 is not a multiple of num_key_value_heads 3")]
    [TestCase("\"vocab_size\": \"big\"", "vocab_size must be an integer")]
    [TestCase("\"bos_token_id\": 999", "bos_token_id 999 is outside the vocabulary")]
    [TestCase("\"rope_scaling\": {\"type\": \"yarn\"}", "rope_scaling is not supported")]
    [TestCase("\"hidden_act\": \"gelu\"", "hidden_act 'gelu' is not supported")]
    public void BadFieldsAreNamed(string replacement, string message)
    {
        var json = Encoding.UTF8.GetString(TestModels.Tiny().ToJson());
        var field = replacement[..(replacement.IndexOf(':'))];
        var lines = json.Split('\n').Where(l => !l.TrimStart().StartsWith(field, StringComparison.Ordinal)).ToList();
        lines.Insert(1, "  " + replacement + ",");
        var e = Assert.Throws<FormatException>(() => Qwen2Config.Parse(Encoding.UTF8.GetBytes(string.Join('\n', lines)), "dir/config.json"));
        Assert.That(e!.Message, Does.StartWith("dir/config.json: ").And.Contain(message));
    }

    [Test]
    public void MissingRequiredFieldIsNamed()
    {
        var e = Assert.Throws<FormatException>(() => Qwen2Config.Parse("{\"vocab_size\": 10}"u8));
        Assert.That(e!.Message, Does.Contain("hidden_size is missing"));
    }
}
