namespace R2ec.Data.Datasets;

/// <summary>The input formats <c>r2ec data prepare</c> reads.</summary>
public enum DatasetFormat
{
    /// <summary>Amazon Reviews 2023: a rating_only CSV and a meta_&lt;Category&gt;.jsonl.</summary>
    Amazon2023,

    /// <summary>MovieLens: a folder with ratings and movies (.csv or ml-1m .dat).</summary>
    MovieLens,

    /// <summary>RecBole atomic files: an .inter and an optional .item.</summary>
    RecBole,

    /// <summary>The seeded synthetic generator; reads no input.</summary>
    Synthetic,
}
