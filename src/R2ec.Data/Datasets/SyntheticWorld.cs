namespace R2ec.Data.Datasets;

/// <summary>A synthetic item: its title is made of the words of its category and attributes.</summary>
/// <param name="Key">The item's key (<c>S0001</c>, …).</param>
/// <param name="Category">Index into <see cref="SyntheticGenerator.Categories"/>.</param>
/// <param name="Style">Index into <see cref="SyntheticGenerator.Styles"/>.</param>
/// <param name="Color">Index into <see cref="SyntheticGenerator.Colors"/>.</param>
/// <param name="Material">Index into <see cref="SyntheticGenerator.Materials"/>; no user cares about it.</param>
/// <param name="BasePopularity">Popularity at launch, Zipf-distributed over the catalogue.</param>
/// <param name="Launch">When the item becomes available (Unix milliseconds); its popularity decays after.</param>
public sealed record SyntheticItem(string Key, int Category, int Style, int Color, int Material, double BasePopularity, long Launch)
{
    /// <summary>The title: style, colour, material, category, e.g. <c>vintage red leather jacket</c>.</summary>
    public string Title =>
        $"{SyntheticGenerator.Styles[Style]} {SyntheticGenerator.Colors[Color]} {SyntheticGenerator.Materials[Material]} {SyntheticGenerator.Categories[Category]}";
}

/// <summary>A synthetic user's hidden tastes, which their choices reveal.</summary>
/// <param name="Key">The user's key (<c>U001</c>, …).</param>
/// <param name="Categories">The two categories the user likes.</param>
/// <param name="Style">The style the user likes.</param>
/// <param name="Color">The colour the user likes at first.</param>
/// <param name="LaterColor">The colour the user likes from <paramref name="DriftTime"/> on (the same when the taste does not drift).</param>
/// <param name="DriftTime">When the colour taste changes (Unix milliseconds; <see cref="long.MaxValue"/> when never).</param>
public sealed record SyntheticUser(string Key, int[] Categories, int Style, int Color, int LaterColor, long DriftTime)
{
    /// <summary>The colour the user likes at <paramref name="time"/>.</summary>
    public int ColorAt(long time) => time >= DriftTime ? LaterColor : Color;

    /// <summary>How well <paramref name="item"/> fits the user's tastes at <paramref name="time"/>: 0 to 3.5.</summary>
    public double Taste(SyntheticItem item, long time) =>
        (Array.IndexOf(Categories, item.Category) >= 0 ? 1.5 : 0.0)
        + (item.Style == Style ? 1.0 : 0.0)
        + (item.Color == ColorAt(time) ? 1.0 : 0.0);
}

/// <summary>A generated dataset with the hidden truth behind it, so tests can check what a ranker could learn.</summary>
public sealed class SyntheticWorld
{
    /// <summary>The generated log, marked synthetic in its <see cref="InteractionLog.Note"/>.</summary>
    public required InteractionLog Log { get; init; }

    /// <summary>The catalogue, in key order.</summary>
    public required IReadOnlyList<SyntheticItem> Items { get; init; }

    /// <summary>The users, in key order.</summary>
    public required IReadOnlyList<SyntheticUser> Users { get; init; }
}
