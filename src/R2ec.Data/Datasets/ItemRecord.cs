namespace R2ec.Data.Datasets;

/// <summary>A numbered item with the text its prompt is made of.</summary>
/// <param name="Id">The item's number, 1..N (0 is padding).</param>
/// <param name="Key">The item's key in the source.</param>
/// <param name="Title">The title, unescaped.</param>
/// <param name="AverageRating">The catalogue's average rating, when known.</param>
/// <param name="RatingCount">The catalogue's number of ratings, when known.</param>
/// <param name="Description">The description cut to the configured number of words; empty when absent.</param>
/// <param name="Genres">Genres or categories; empty when absent.</param>
public sealed record ItemRecord(
    int Id,
    string Key,
    string Title,
    float? AverageRating,
    int? RatingCount,
    string Description,
    IReadOnlyList<string> Genres)
{
    /// <summary>Value equality including the genres' contents.</summary>
    public bool Equals(ItemRecord? other) =>
        other is not null && Id == other.Id && Key == other.Key && Title == other.Title
        && Nullable.Equals(AverageRating, other.AverageRating) && RatingCount == other.RatingCount
        && Description == other.Description && Genres.SequenceEqual(other.Genres);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Id, Key, Title);
}
