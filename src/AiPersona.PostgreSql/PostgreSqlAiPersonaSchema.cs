using System.Text.RegularExpressions;

namespace AiPersona;

/// <summary>The DDL of AiPersona's PostgreSQL schema, for apps that manage their schema themselves.</summary>
public static partial class PostgreSqlAiPersonaSchema
{
    /// <summary>The schema version this library writes.</summary>
    public static int LatestVersion => Migrations.Length;

    /// <summary>The migrations, in order: index i upgrades version i to i + 1. <c>{schema}</c> stands for the schema name.</summary>
    internal static string[] Migrations { get; } =
    [
        """
        CREATE TABLE {schema}.personas (
            user_key text PRIMARY KEY,
            user_id bytea NOT NULL,
            version bigint NOT NULL,
            document text NOT NULL);
        CREATE TABLE {schema}.persona_revisions (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            user_key text NOT NULL,
            version bigint NOT NULL,
            document text NOT NULL);
        CREATE INDEX persona_revisions_user ON {schema}.persona_revisions (user_key, id);
        CREATE TABLE {schema}.sessions (
            user_key text NOT NULL,
            id text NOT NULL,
            user_id bytea NOT NULL,
            conversation_id text NULL,
            state smallint NOT NULL,
            started_at timestamptz NOT NULL,
            last_activity_at timestamptz NOT NULL,
            ended_at timestamptz NULL,
            learned_at timestamptz NULL,
            PRIMARY KEY (user_key, id));
        CREATE INDEX sessions_unlearned ON {schema}.sessions (user_key) WHERE state < 2;
        CREATE UNIQUE INDEX sessions_one_open ON {schema}.sessions (user_key) WHERE state = 0;
        CREATE TABLE {schema}.session_messages (
            user_key text NOT NULL,
            session_id text NOT NULL,
            seq integer NOT NULL,
            role text NOT NULL,
            text text NOT NULL,
            created_at timestamptz NOT NULL,
            PRIMARY KEY (user_key, session_id, seq));
        CREATE TABLE {schema}.update_leases (
            user_key text PRIMARY KEY,
            holder text NOT NULL,
            expires_at timestamptz NOT NULL);
        """,
    ];

    /// <summary>Gets the full DDL that creates the latest schema, including the version table.</summary>
    /// <param name="schemaName">The schema name.</param>
    /// <returns>The SQL script.</returns>
    public static string GetScript(string schemaName = "aipersona")
    {
        ThrowIfInvalidName(schemaName);
        return $"CREATE SCHEMA IF NOT EXISTS {schemaName};\nCREATE TABLE IF NOT EXISTS {schemaName}.schema_version (version integer NOT NULL);\n"
            + string.Join("\n", Migrations.Select(m => m.Replace("{schema}", schemaName, StringComparison.Ordinal)))
            + $"\nINSERT INTO {schemaName}.schema_version (version) VALUES ({LatestVersion});\n";
    }

    /// <summary>Creates or upgrades the schema now, for apps that turn <see cref="PostgreSqlStorageOptions.AutoCreateSchema"/>
    /// off and run DDL as a deployment step. Safe to call from several instances at once, and again later.</summary>
    /// <param name="connectionString">The Npgsql connection string, with rights to create the schema.</param>
    /// <param name="schemaName">The schema name.</param>
    /// <param name="cancellationToken">The token to monitor for cancellation requests.</param>
    /// <returns>A task that completes when the schema is at <see cref="LatestVersion"/>.</returns>
    /// <exception cref="ArgumentException">The connection string or the schema name is not valid.</exception>
    public static async Task CreateAsync(string connectionString, string schemaName = "aipersona", CancellationToken cancellationToken = default)
    {
        PostgreSqlDatabase.ThrowIfInvalidConnectionString(connectionString, nameof(connectionString));
        ThrowIfInvalidName(schemaName);
        var database = new PostgreSqlDatabase(new PostgreSqlStorageOptions { ConnectionString = connectionString, SchemaName = schemaName });
        await using (database.ConfigureAwait(false))
        {
            await database.MigrateAsync(LatestVersion, cancellationToken).ConfigureAwait(false);
        }
    }

    internal static void ThrowIfInvalidName(string schemaName)
    {
        if (string.IsNullOrEmpty(schemaName) || !SchemaNamePattern().IsMatch(schemaName))
        {
            throw new ArgumentException($"'{schemaName}' is not a valid schema name: use lowercase letters, digits and underscores, starting with a letter or underscore (at most 63 characters).", nameof(schemaName));
        }
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex SchemaNamePattern();
}
