using AiPersona;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Keeps AiPersona's data in PostgreSQL.</summary>
public static class PostgreSqlAiPersonaBuilderExtensions
{
    /// <summary>Stores personas, history and sessions in PostgreSQL and coordinates persona updates across every
    /// instance of the app with expiring leases, so each batch of sessions is learned exactly once.</summary>
    /// <param name="builder">The builder from <c>AddAiPersona()</c>.</param>
    /// <param name="connectionString">The Npgsql connection string.</param>
    /// <param name="configure">Configures further options (schema name, DDL on first use, lease duration).</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ArgumentException">The connection string is empty or not an Npgsql connection string, or the
    /// options are invalid (schema name, lease duration).</exception>
    public static IAiPersonaBuilder UsePostgreSql(this IAiPersonaBuilder builder, string connectionString, Action<PostgreSqlStorageOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        PostgreSqlDatabase.ThrowIfInvalidConnectionString(connectionString, nameof(connectionString));
        var options = new PostgreSqlStorageOptions { ConnectionString = connectionString };
        configure?.Invoke(options);
        PostgreSqlDatabase.Validate(options);

        builder.Services.AddSingleton(_ => new PostgreSqlDatabase(options));
        builder.Services.Replace(ServiceDescriptor.Singleton<IPersonaStore>(sp => new PostgreSqlPersonaStore(sp.GetRequiredService<PostgreSqlDatabase>())));
        builder.Services.Replace(ServiceDescriptor.Singleton<ISessionStore>(sp => new PostgreSqlSessionStore(sp.GetRequiredService<PostgreSqlDatabase>())));
        builder.Services.Replace(ServiceDescriptor.Singleton<IPersonaUpdateLock>(sp => new PostgreSqlPersonaUpdateLock(sp.GetRequiredService<PostgreSqlDatabase>(), sp.GetService<TimeProvider>())));
        UpdateLeaseOptionsValidator.Register(builder.Services, $"{nameof(PostgreSqlStorageOptions)}.{nameof(PostgreSqlStorageOptions.UpdateLeaseDuration)}", options.UpdateLeaseDuration);
        return builder;
    }
}
