using System.Text;
using R2ec.Tensors.SafeTensors;

namespace R2ec.Tensors.Tests.SafeTensors;

public class SafeTensorsTests
{
    private string _dir = "";

    [SetUp]
    public void MakeDir() => _dir = Directory.CreateTempSubdirectory("r2ec-st-").FullName;

    [TearDown]
    public void RemoveDir() => Directory.Delete(_dir, recursive: true);

    private string Raw(string header, byte[] data, long? headerLength = null)
    {
        var path = Path.Combine(_dir, $"{Guid.NewGuid():N}.safetensors");
        var h = Encoding.UTF8.GetBytes(header);
        using var f = File.Create(path);
        f.Write(BitConverter.GetBytes(headerLength ?? h.Length));
        f.Write(h);
        f.Write(data);
        return path;
    }

    [Test]
    public void WrittenFileReadsBackWithShapesOrderAndMetadata()
    {
        var path = Path.Combine(_dir, "m.safetensors");
        var a = Tensor.FromArray([1f, -2f, 3.5f, 4f, 5f, 6f], 2, 3);
        var b = Tensor.FromArray([float.MaxValue], 1);
        SafeTensorsWriter.Write(path, [new("model.a", a), new("b", b)], new Dictionary<string, string> { ["format"] = "pt" });
        Assert.That(BitConverter.ToInt64(File.ReadAllBytes(path), 0) % 8, Is.Zero, "header padded so the data starts 8-byte aligned");
        using var file = SafeTensorsFile.Open(path);
        Assert.That(file.Names, Is.EqualTo(new[] { "model.a", "b" }));
        Assert.That(file.Metadata["format"], Is.EqualTo("pt"));
        Assert.That(file.Info("model.a").Shape, Is.EqualTo(new[] { 2, 3 }));
        Assert.That(file.ReadF32("model.a").ToArray(), Is.EqualTo(a.ToArray()));
        Assert.That(file.ReadF32("b").ToArray(), Is.EqualTo(b.ToArray()));
        Assert.That(Directory.GetFiles(_dir), Has.Length.EqualTo(1), "no temporary file left behind");
    }

    [Test]
    public void HalfAndBFloat16AreWidened()
    {
        var data = new List<byte>();
        foreach (var h in new[] { (Half)1.5f, (Half)(-0.25f) })
            data.AddRange(BitConverter.GetBytes(h));
        foreach (var f in new[] { 3f, -1024f })
            data.AddRange(BitConverter.GetBytes((ushort)(BitConverter.SingleToInt32Bits(f) >> 16)));
        var path = Raw("""{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"BF16","shape":[2],"data_offsets":[4,8]}}""", data.ToArray());
        using var file = SafeTensorsFile.Open(path);
        Assert.That(file.ReadF32("h").ToArray(), Is.EqualTo(new[] { 1.5f, -0.25f }));
        Assert.That(file.ReadF32("b").ToArray(), Is.EqualTo(new[] { 3f, -1024f }));
    }

    [Test]
    public void HeaderLengthBeyondTheFileIsAnError()
    {
        var path = Raw("{}", [], headerLength: 1000);
        var ex = Assert.Throws<SafeTensorsException>(() => SafeTensorsFile.Open(path));
        Assert.That(ex!.Message, Does.Contain("header length 1000").And.Contain(path));
    }

    [Test]
    public void HeaderThatIsNotJsonIsAnError()
    {
        var ex = Assert.Throws<SafeTensorsException>(() => SafeTensorsFile.Open(Raw("{not json", [])));
        Assert.That(ex!.Message, Does.Contain("not valid JSON"));
    }

    [Test]
    public void OffsetOutsideTheDataIsAnError()
    {
        var path = Raw("""{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", new byte[8]);
        var ex = Assert.Throws<SafeTensorsException>(() => SafeTensorsFile.Open(path));
        Assert.That(ex!.Message, Does.Contain("tensor 'w'").And.Contain("outside the 8-byte data section"));
    }

    [Test]
    public void SizeThatDisagreesWithShapeIsAnError()
    {
        var path = Raw("""{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", new byte[8]);
        var ex = Assert.Throws<SafeTensorsException>(() => SafeTensorsFile.Open(path));
        Assert.That(ex!.Message, Does.Contain("8 bytes for 3 elements"));
    }

    [Test]
    public void IntegerTensorCannotBeReadAsFloat()
    {
        using var file = SafeTensorsFile.Open(Raw("""{"ids":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}""", new byte[8]));
        var ex = Assert.Throws<SafeTensorsException>(() => file.ReadF32("ids"));
        Assert.That(ex!.Message, Does.Contain("dtype I64"));
    }

    [Test]
    public void MissingTensorIsNamed()
    {
        using var file = SafeTensorsFile.Open(Raw("{}", []));
        var ex = Assert.Throws<SafeTensorsException>(() => file.ReadF32("lm_head.weight"));
        Assert.That(ex!.Message, Does.Contain("'lm_head.weight'"));
    }
}
