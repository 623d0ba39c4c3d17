namespace R2ec.Cluster.Tests.Support;

/// <summary>Polls a process's endpoint until a condition holds; fails the test (never hangs) when it does not in time.</summary>
internal static class Polling
{
    /// <summary>Polls <paramref name="condition"/> every 100 ms; a refused connection (not listening yet) counts as false.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            try
            {
                if (await condition())
                    return;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"timed out waiting for {what}");
            await Task.Delay(100);
        }
    }
}
