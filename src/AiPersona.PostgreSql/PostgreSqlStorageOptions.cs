namespace AiPersona;

/// <summary>Options of the PostgreSQL stores.</summary>
public sealed class PostgreSqlStorageOptions
{
    /// <summary>Gets or sets the Npgsql connection string.</summary>
    /// <value>Required; no default.</value>
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>Gets or sets the database schema that holds AiPersona's tables.</summary>
    /// <value>Defaults to <c>aipersona</c>. Lowercase letters, digits and underscores, starting with a letter or underscore.</value>
    public string SchemaName { get; set; } = "aipersona";

    /// <summary>Gets or sets a value indicating whether the schema is created or upgraded on first use. Turn it off when
    /// the app manages DDL itself (see <see cref="PostgreSqlAiPersonaSchema.GetScript"/>).</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool AutoCreateSchema { get; set; } = true;

    /// <summary>Gets or sets how long an update lease lasts before another instance may take it over (if its holder died).
    /// An update holds the lease while the optimizer runs and while it saves, so it must be longer than
    /// <c>AiPersonaOptions.OptimizerTimeout</c> plus 30 seconds (start-up fails otherwise); keep a margin for the clock
    /// difference between instances as well.</summary>
    /// <value>Defaults to 5 minutes. Must be positive and at most one day.</value>
    public TimeSpan UpdateLeaseDuration { get; set; } = TimeSpan.FromMinutes(5);
}
