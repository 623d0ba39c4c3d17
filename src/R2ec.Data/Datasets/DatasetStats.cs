using System.Globalization;

namespace R2ec.Data.Datasets;

/// <summary>The figures <c>r2ec data stats</c> prints for a prepared dataset.</summary>
/// <param name="Users">Users with at least one kept interaction.</param>
/// <param name="Items">Items, numbered 1..N.</param>
/// <param name="Interactions">Kept interactions.</param>
/// <param name="Train">Training samples.</param>
/// <param name="Valid">Validation samples.</param>
/// <param name="Test">Test samples.</param>
/// <param name="HistoryLengths"><c>HistoryLengths[k]</c>: samples whose history holds k items (index 0 is always 0).</param>
public sealed record DatasetStats(int Users, int Items, long Interactions, int Train, int Valid, int Test, long[] HistoryLengths)
{
    /// <summary>Interactions over users × items.</summary>
    public double Density => Users == 0 || Items == 0 ? 0 : Interactions / ((double)Users * Items);

    /// <summary>Counts the figures of a dataset.</summary>
    public static DatasetStats Compute(PreparedDataset d)
    {
        var longest = 0;
        foreach (var s in d.Train.Concat(d.Valid).Concat(d.Test))
            longest = Math.Max(longest, s.History.Length);
        var histogram = new long[longest + 1];
        foreach (var s in d.Train.Concat(d.Valid).Concat(d.Test))
            histogram[s.History.Length]++;
        return new DatasetStats(d.Counts.Users, d.Items.Count, d.Counts.Interactions, d.Train.Count, d.Valid.Count, d.Test.Count, histogram);
    }

    /// <summary>Writes the figures as aligned text, with a bar per history length.</summary>
    public void Write(TextWriter output)
    {
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine(string.Format(inv, "users             {0:N0}", Users));
        output.WriteLine(string.Format(inv, "items             {0:N0}", Items));
        output.WriteLine(string.Format(inv, "interactions      {0:N0}", Interactions));
        output.WriteLine(string.Format(inv, "density           {0:P3}", Density));
        output.WriteLine(string.Format(inv, "samples           {0:N0} (train {1:N0}, valid {2:N0}, test {3:N0})", Train + Valid + Test, Train, Valid, Test));
        output.WriteLine("history length    samples");
        var most = HistoryLengths.Length == 0 ? 0 : HistoryLengths.Max();
        for (var k = 1; k < HistoryLengths.Length; k++)
        {
            var bar = most == 0 ? 0 : (int)Math.Round(40.0 * HistoryLengths[k] / most);
            output.WriteLine(string.Format(inv, "{0,14}    {1,9:N0} {2}", k, HistoryLengths[k], new string('#', bar)));
        }
    }
}
