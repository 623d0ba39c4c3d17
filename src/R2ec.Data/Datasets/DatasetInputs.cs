namespace R2ec.Data.Datasets;

/// <summary>Finds a format's files among the inputs named on the command line and reads them.</summary>
public static class DatasetInputs
{
    /// <summary>
    /// Reads the inputs. MovieLens takes its folder; Amazon 2023 takes the ratings CSV and the meta JSONL (or a folder
    /// holding one of each); RecBole takes the <c>.inter</c> and optional <c>.item</c> (or a folder holding them);
    /// synthetic takes no input and generates from <paramref name="synthetic"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The inputs do not fit the format.</exception>
    /// <exception cref="DataFormatException">A file is malformed (under <see cref="BadRowPolicy.Fail"/>).</exception>
    public static InteractionLog Read(DatasetFormat format, IReadOnlyList<string> inputs, ReaderOptions options, SyntheticOptions? synthetic = null)
    {
        switch (format)
        {
            case DatasetFormat.Synthetic:
                if (inputs.Count > 0)
                    throw new ArgumentException("the synthetic format generates its data and takes no --input");
                return SyntheticGenerator.Generate(synthetic ?? new SyntheticOptions()).Log;
            case DatasetFormat.MovieLens:
                if (inputs.Count != 1 || !Directory.Exists(inputs[0]))
                    throw new ArgumentException("movielens takes one --input: the folder holding ratings.csv and movies.csv (or ratings.dat and movies.dat)");
                return MovieLensReader.Read(inputs[0], options);
            case DatasetFormat.Amazon2023:
            {
                var files = Expand(inputs);
                var meta = One(files, f => Has(f, ".jsonl"), "amazon2023", "meta_<Category>.jsonl(.gz)");
                var ratings = One(files, f => Has(f, ".csv"), "amazon2023", "rating CSV (.csv or .csv.gz)");
                return Amazon2023Reader.Read(ratings, meta, options);
            }
            case DatasetFormat.RecBole:
            {
                var files = Expand(inputs);
                var inter = One(files, f => Has(f, ".inter"), "recbole", ".inter file");
                var item = files.Where(f => Has(f, ".item")).ToList();
                if (item.Count > 1)
                    throw new ArgumentException($"recbole takes at most one .item file, got {string.Join(", ", item)}");
                return RecBoleReader.Read(inter, item.SingleOrDefault(), options);
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "unknown dataset format");
        }
    }

    private static List<string> Expand(IReadOnlyList<string> inputs)
    {
        if (inputs.Count == 0)
            throw new ArgumentException("--input is required: the input files or their folder");
        var files = new List<string>();
        foreach (var input in inputs)
        {
            if (Directory.Exists(input))
                files.AddRange(Directory.EnumerateFiles(input).Order(StringComparer.Ordinal));
            else if (File.Exists(input))
                files.Add(input);
            else
                throw new ArgumentException($"input '{input}' does not exist");
        }
        return files;
    }

    private static bool Has(string path, string extension)
    {
        var name = Path.GetFileName(path);
        return name.EndsWith(extension, StringComparison.OrdinalIgnoreCase) || name.EndsWith(extension + ".gz", StringComparison.OrdinalIgnoreCase);
    }

    private static string One(List<string> files, Func<string, bool> match, string format, string what)
    {
        var found = files.Where(match).ToList();
        return found.Count == 1
            ? found[0]
            : throw new ArgumentException($"{format} needs exactly one {what} among the inputs, found {(found.Count == 0 ? "none" : string.Join(", ", found))}");
    }
}
