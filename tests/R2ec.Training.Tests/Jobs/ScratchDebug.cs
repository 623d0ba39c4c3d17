using R2ec.Model.Training;
using R2ec.Tensors.Autograd;
using R2ec.Tensors.Ops;
using R2ec.Training.Compute;
using R2ec.Training.Tests.Support;

namespace R2ec.Training.Tests.Jobs;

public sealed class ScratchDebug
{
    [TestCase("0.02", "0.003")]
    [TestCase("0.1", "0.003")]
    [TestCase("0.1", "0.001")]
    public void Probe(string tau, string lr)
    {
        var options = TinyJob.Options("Data:SyntheticUsers=200", "Data:SyntheticItems=300", "Data:HistoryWindow=10", "RecPO:Tau=" + tau,
            "Model:HiddenSize=64", "Model:Layers=2", "Model:Heads=4", "Model:KeyValueHeads=2", "Model:IntermediateSize=128");
        var data = TinyJob.Data(options);
        var f = new R2ecPolicyFactory(options);
        var tok = f.BuildTokenizer(data, 1024);
        var c = (R2ecPolicyCompute)f.Create(tok, data, 42);
        var order = new SampleOrder(1, data.Dataset.Train.Count);
        var sum = 0.0;
        for (var i = 0; i < 150; i++)
        {
            var batch = order.Range(i * 16, 16).Select(j => data.Dataset.Train[j]).ToList();
            var l = c.WarmUpStep(WarmUpKind.Recommendation, batch, double.Parse(lr, System.Globalization.CultureInfo.InvariantCulture));
            sum += l.Loss;
            if (i % 25 == 24) { TestContext.Out.WriteLine($"tau {tau} lr {lr} steps {i - 24}-{i} mean loss {sum / 25:F3}"); sum = 0; }
        }
        Assert.Pass();
    }
}
