namespace AiPersona;

/// <summary>Options of the SQLite stores.</summary>
public sealed class SqliteStorageOptions
{
    /// <summary>Gets or sets the connection string, for example <c>Data Source=aipersona.db</c>.</summary>
    /// <value>Required; no default. Pooling (on by default in Microsoft.Data.Sqlite) is recommended.</value>
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>Gets or sets how long an update lease lasts before another process may take it over (if its holder died).
    /// An update holds the lease while the optimizer runs and while it saves, so it must be longer than
    /// <c>AiPersonaOptions.OptimizerTimeout</c> plus 30 seconds (start-up fails otherwise).</summary>
    /// <value>Defaults to 5 minutes. Must be positive and at most one day.</value>
    public TimeSpan UpdateLeaseDuration { get; set; } = TimeSpan.FromMinutes(5);
}
