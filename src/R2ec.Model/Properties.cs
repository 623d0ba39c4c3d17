using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("R2ec.Model.Tests")]
