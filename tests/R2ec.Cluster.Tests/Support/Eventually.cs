using System.Diagnostics;

namespace R2ec.Cluster.Tests.Support;

/// <summary>Polls for a state a broker reaches in its own time; fails the test (not hangs) when it is not reached.</summary>
internal static class Eventually
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    public static Task Until(Func<bool> condition, string what) => UntilAsync(() => Task.FromResult(condition()), what);

    public static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > Patience) Assert.Fail($"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }
}
