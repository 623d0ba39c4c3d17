using R2ec.Training.TensorBoard;
using static TorchSharp.torch.utils.tensorboard;

namespace R2ec.Model.Torch.Tests;

/// <summary>Our event-file reader against TorchSharp's own <c>SummaryWriter</c>: the framing, checksums and messages agree.</summary>
public sealed class TensorBoardInteropTests
{
    [Test]
    public void Scalars_written_by_TorchSharps_SummaryWriter_read_back_through_ours()
    {
        TorchRuntime.Load();
        var dir = Directory.CreateTempSubdirectory("r2ec-tb-torch-").FullName;
        try
        {
            var writer = SummaryWriter(dir);
            writer.add_scalar("recpo/gradNorm", 6.5f, 3);
            writer.add_scalar("recpo/gradNorm", 0.25f, 4);
            var file = Directory.GetFiles(dir, "events.out.tfevents.*", SearchOption.AllDirectories).Single();

            Assert.That(ScalarEvents.Read(file), Is.EqualTo(new[] { new Scalar("recpo/gradNorm", 3, 6.5f), new Scalar("recpo/gradNorm", 4, 0.25f) }));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
