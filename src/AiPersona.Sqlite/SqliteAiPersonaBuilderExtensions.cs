using AiPersona;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Keeps AiPersona's data in SQLite.</summary>
public static class SqliteAiPersonaBuilderExtensions
{
    /// <summary>Stores personas, history and sessions in one SQLite database file, and coordinates persona updates
    /// across processes sharing it. The schema is created or upgraded on first use.</summary>
    /// <param name="builder">The builder from <c>AddAiPersona()</c>.</param>
    /// <param name="connectionString">The connection string, for example <c>Data Source=aipersona.db</c>.</param>
    /// <param name="configure">Configures further options.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException">The connection string is empty or not a connection string (a bare file path,
    /// say), or the options are invalid.</exception>
    public static IAiPersonaBuilder UseSqlite(this IAiPersonaBuilder builder, string connectionString, Action<SqliteStorageOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        SqliteDatabase.ThrowIfInvalidConnectionString(connectionString, nameof(connectionString));
        var options = new SqliteStorageOptions { ConnectionString = connectionString };
        configure?.Invoke(options);
        SqliteDatabase.Validate(options);

        var wrapped = Options.Options.Create(options);
        builder.Services.Replace(ServiceDescriptor.Singleton<IPersonaStore>(_ => new SqlitePersonaStore(wrapped)));
        builder.Services.Replace(ServiceDescriptor.Singleton<ISessionStore>(_ => new SqliteSessionStore(wrapped)));
        builder.Services.Replace(ServiceDescriptor.Singleton<IPersonaUpdateLock>(sp => new SqlitePersonaUpdateLock(wrapped, sp.GetService<TimeProvider>())));
        UpdateLeaseOptionsValidator.Register(builder.Services, $"{nameof(SqliteStorageOptions)}.{nameof(SqliteStorageOptions.UpdateLeaseDuration)}", options.UpdateLeaseDuration);
        return builder;
    }
}
