using R2ec.Model.Torch;
using R2ec.Training.Compute;
using R2ec.Training.Configuration;
using static TorchSharp.torch;

namespace R2ec.Training.Torch;

/// <summary>
/// Policies on the TorchSharp backend (<c>Engine:Backend=torch</c>): the tokenizer and the initial weights come from the
/// managed <see cref="R2ecPolicyFactory"/> (one definition of both, so the same seed starts both backends from the same
/// model); the weights are then copied onto <c>Engine:Device</c> in <c>Engine:DType</c>.
/// </summary>
public sealed class TorchPolicyFactory : IPolicyFactory
{
    private readonly JobOptions _options;
    private readonly R2ecPolicyFactory _managed;

    /// <summary>A factory for the job <paramref name="options"/>; loads libtorch with <c>Engine:Threads</c>.</summary>
    /// <exception cref="TorchBackendUnavailableException">libtorch cannot be loaded here.</exception>
    public TorchPolicyFactory(JobOptions options)
    {
        _options = options;
        _managed = new R2ecPolicyFactory(options);
        TorchRuntime.Load(options.Engine.EffectiveThreads);
    }

    /// <inheritdoc />
    public string Description => $"{_managed.Description}, on TorchSharp ({_options.Engine.Device}, {_options.Engine.DType})";

    /// <inheritdoc />
    public byte[] BuildTokenizer(TrainingData data, int vocabulary) => _managed.BuildTokenizer(data, vocabulary);

    /// <inheritdoc />
    public IPolicyCompute Create(ReadOnlySpan<byte> tokenizer, TrainingData data, ulong seed) =>
        new TorchPolicyCompute(_managed.CreatePolicy(tokenizer, seed), data, _options);

    /// <summary>The torch device <c>Engine:Device</c> names.</summary>
    public static Device DeviceOf(EngineOptions engine) => new(engine.Device);

    /// <summary>The torch element type <c>Engine:DType</c> names.</summary>
    public static ScalarType DTypeOf(EngineOptions engine) =>
        engine.DType == EngineDType.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float32;
}
