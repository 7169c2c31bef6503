namespace AiPersona.Benchmarks;

/// <summary>The storage backend a benchmark runs against.</summary>
public enum StoreKind
{
    /// <summary>The in-memory stores.</summary>
    InMemory,

    /// <summary>The file-system stores, in a temporary folder.</summary>
    FileSystem,

    /// <summary>The SQLite stores, in a temporary database file.</summary>
    Sqlite,

    /// <summary>The PostgreSQL stores, in a temporary schema of the server that <c>AIPERSONA_POSTGRES</c> names.</summary>
    PostgreSql,
}
