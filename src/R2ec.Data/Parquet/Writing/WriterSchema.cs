namespace R2ec.Data.Parquet.Writing;

/// <summary>How the writer maps a <see cref="ParquetColumnSpec"/> onto Parquet schema elements and levels.</summary>
internal static class WriterSchema
{
    public static PhysicalType Physical(ParquetColumnSpec spec) => spec.Type switch
    {
        ParquetValueType.Int32 => PhysicalType.Int32,
        ParquetValueType.Int64 or ParquetValueType.Timestamp => PhysicalType.Int64,
        ParquetValueType.Float => PhysicalType.Float,
        ParquetValueType.Double => PhysicalType.Double,
        ParquetValueType.Boolean => PhysicalType.Boolean,
        ParquetValueType.String => PhysicalType.ByteArray,
        _ => throw new ParquetException($"column '{spec.Name}': the writer does not write {spec.Type} values"),
    };

    /// <summary>Flat: 1 when nullable. Lists (three-level LIST): the list, its repeated group and a nullable element each add one.</summary>
    public static int MaxDefinitionLevel(ParquetColumnSpec spec) =>
        spec.IsList ? (spec.Nullable ? 1 : 0) + 1 + (spec.ElementNullable ? 1 : 0) : spec.Nullable ? 1 : 0;

    /// <summary>The leaf path of the column, as ColumnMetaData.path_in_schema.</summary>
    public static string[] Path(ParquetColumnSpec spec) => spec.IsList ? [spec.Name, "list", "element"] : [spec.Name];
}
