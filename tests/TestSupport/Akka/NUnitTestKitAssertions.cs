using Akka.TestKit;

namespace R2ec.TestSupport.Akka;

/// <summary>
/// Akka.TestKit's assertions reported through NUnit, so that <c>ExpectMsg</c> and its kin fail an NUnit test the way
/// <c>Assert.That</c> does. The registry copy serves no NUnit TestKit package; this is the whole adapter.
/// </summary>
internal sealed class NUnitTestKitAssertions : ITestKitAssertions
{
    public static NUnitTestKitAssertions Instance { get; } = new();

    public void Fail(string format = "", params object[] args) => Assert.Fail(Format(format, args));

    public void AssertTrue(bool condition, string format = "", params object[] args) =>
        Assert.That(condition, Is.True, Format(format, args));

    public void AssertFalse(bool condition, string format = "", params object[] args) =>
        Assert.That(condition, Is.False, Format(format, args));

    public void AssertEqual<T>(T expected, T actual, string format = "", params object[] args) =>
        Assert.That(actual, Is.EqualTo(expected), Format(format, args));

    public void AssertEqual<T>(T expected, T actual, Func<T, T, bool> comparer, string format = "", params object[] args)
    {
        if (!comparer(expected, actual))
            Assert.Fail($"expected {expected}, got {actual}. {Format(format, args)}");
    }

    public Exception AssertThrows(Action action) => Assert.Throws(Is.InstanceOf<Exception>(), () => action())!;

    public TException AssertThrows<TException>(Action action) where TException : Exception =>
        Assert.Throws<TException>(() => action())!;

    public Task<Exception> AssertThrowsAsync(Func<Task> action) =>
        Task.FromResult(Assert.ThrowsAsync(Is.InstanceOf<Exception>(), async () => await action())!);

    public Task<TException> AssertThrowsAsync<TException>(Func<Task> action) where TException : Exception =>
        Task.FromResult(Assert.ThrowsAsync<TException>(async () => await action())!);

    private static string Format(string format, object[] args) => args is { Length: > 0 } ? string.Format(format, args) : format;
}

/// <summary>
/// An Akka.TestKit for one NUnit test case: create it in the test (or its <c>[SetUp]</c>) and dispose of it in
/// <c>[TearDown]</c>, which shuts its actor system down. One per test case, because TestKitBase holds the test
/// actor and its queue, and NUnit runs a fixture's cases on one instance.
/// </summary>
internal sealed class NUnitTestKit(global::Akka.Configuration.Config config, string systemName = "test")
    : TestKitBase(NUnitTestKitAssertions.Instance, config, systemName), IDisposable
{
    public void Dispose() => Shutdown(verifySystemShutdown: true);
}
