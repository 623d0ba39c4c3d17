namespace R2ec.Data.Datasets;

/// <summary>What a source says about one item, before the item is numbered.</summary>
/// <param name="Key">The item's key in the source (parent_asin, movieId, RecBole token).</param>
/// <param name="Title">The title, HTML entities already unescaped; empty when the source gives none.</param>
/// <param name="AverageRating">The catalogue's average rating, when the source gives one.</param>
/// <param name="RatingCount">The catalogue's number of ratings, when the source gives one.</param>
/// <param name="Description">The description, unescaped and not yet cut; empty when absent.</param>
/// <param name="Genres">Genres or categories, in source order; empty when absent.</param>
public sealed record ItemMetadata(
    string Key,
    string Title,
    float? AverageRating,
    int? RatingCount,
    string Description,
    IReadOnlyList<string> Genres);
