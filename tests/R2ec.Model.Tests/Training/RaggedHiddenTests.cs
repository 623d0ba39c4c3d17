using R2ec.Model.Tests.Support;
using R2ec.Model.Training;
using R2ec.Tensors.Autograd;

namespace R2ec.Model.Tests.Training;

public class RaggedHiddenTests
{
    [Test]
    public void BucketedBatchGivesEachSequencesOwnStatesInRequestOrder()
    {
        var policy = TestModels.Policy(seed: 61);
        int[] lengths = [3, 20, 4, 19, 10, 1];
        var sequences = lengths.Select((n, s) => Enumerable.Range(0, n).Select(t => (t * 7 + s * 13) % 256).ToArray()).ToArray();
        var requests = new List<(int, int)> { (5, 0), (1, 19), (0, 2), (1, 3), (4, 9), (3, 0), (2, 3), (0, 0) };
        using var tape = new Tape(recording: false);
        var gathered = RaggedHidden.Gather(tape, policy, sequences, requests).Value.ToArray();
        for (var r = 0; r < requests.Count; r++)
        {
            var (s, p) = requests[r];
            using var own = new Tape(recording: false);
            var alone = policy.Hidden(own, sequences[s], 1, sequences[s].Length).Value.Span.Slice(p * 16, 16).ToArray();
            var row = gathered.AsSpan(r * 16, 16).ToArray();
            Assert.That(row.Select((v, i) => Math.Abs(v - alone[i])).Max(), Is.LessThan(1e-5), $"request {r} = sequence {s} position {p}");
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => RaggedHidden.Gather(tape, policy, sequences, [(0, 3)]));
    }
}
