using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AiPersona.Tests.DependencyInjection;

/// <summary>Storage whose update leases expire (SQLite, PostgreSQL) requires an optimizer timeout shorter than a lease:
/// checked with the other options, at start-up. No database is opened.</summary>
public sealed class UpdateLeaseOptionsValidatorTests
{
    public static TheoryData<string> Databases => ["sqlite", "postgresql"];

    [Theory]
    [MemberData(nameof(Databases))]
    public void AnOptimizerTimeoutThatLeavesNoTimeToSaveWithinTheLease_FailsAtStartUp_NamingBothOptions(string database)
    {
        var services = new ServiceCollection();
        Use(services.AddAiPersona(o => o.OptimizerTimeout = TimeSpan.FromMinutes(4.5)), database);
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("AiPersonaOptions.OptimizerTimeout (00:04:30) plus 30 seconds must be shorter than", ex.Message, StringComparison.Ordinal);
        Assert.Contains(".UpdateLeaseDuration (00:05:00)", ex.Message, StringComparison.Ordinal);
        Assert.Contains(database == "sqlite" ? "SqliteStorageOptions" : "PostgreSqlStorageOptions", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public void AnInfiniteOptimizerTimeout_FailsAtStartUp(string database)
    {
        var services = new ServiceCollection();
        Use(services.AddAiPersona(o => o.OptimizerTimeout = Timeout.InfiniteTimeSpan), database);
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<AiPersonaOptions>>().Value);
        Assert.Contains("AiPersonaOptions.OptimizerTimeout is infinite", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public void TheLongestTimeSpanAsOptimizerTimeout_FailsAtStartUpWithMessages_NotAnOverflow(string database)
    {
        var services = new ServiceCollection();
        Use(services.AddAiPersona(o => o.OptimizerTimeout = TimeSpan.MaxValue), database);
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("AiPersonaOptions.OptimizerTimeout must be positive and at most one day", ex.Message, StringComparison.Ordinal);
        Assert.Contains("plus 30 seconds must be shorter than", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Databases))]
    public void ALongerLease_AllowsALongerOptimizerTimeout(string database)
    {
        var services = new ServiceCollection();
        Use(services.AddAiPersona(o => o.OptimizerTimeout = TimeSpan.FromMinutes(10)), database, TimeSpan.FromMinutes(15));
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IStartupValidator>().Validate();
        Assert.Equal(TimeSpan.FromMinutes(10), provider.GetRequiredService<IOptions<AiPersonaOptions>>().Value.OptimizerTimeout);
    }

    [Fact]
    public void TheDefaults_Pass()
    {
        var services = new ServiceCollection();
        services.AddAiPersona().UseSqlite("Data Source=unused.db");
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IStartupValidator>().Validate();
        Assert.Single(provider.GetServices<IValidateOptions<AiPersonaOptions>>(), v => v is UpdateLeaseOptionsValidator);
    }

    [Fact]
    public void StorageChosenLater_ReplacesTheLeaseOfAnEarlierChoice()
    {
        var services = new ServiceCollection();
        var builder = services.AddAiPersona(o => o.OptimizerTimeout = TimeSpan.FromMinutes(10));
        builder.UseSqlite("Data Source=unused.db").UsePostgreSql("Host=127.0.0.1", o => o.UpdateLeaseDuration = TimeSpan.FromMinutes(20));
        using (var provider = services.BuildServiceProvider())
        {
            provider.GetRequiredService<IStartupValidator>().Validate(); // the PostgreSQL lease, not SQLite's 5 minutes
        }

        builder.UseSqlite("Data Source=unused.db");
        using (var provider = services.BuildServiceProvider())
        {
            Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        }

        // OS file locks do not expire: no lease to outlast.
        builder.UseFileSystemStorage(Path.Combine(Path.GetTempPath(), "unused"));
        using (var provider = services.BuildServiceProvider())
        {
            provider.GetRequiredService<IStartupValidator>().Validate();
        }
    }

    private static void Use(IAiPersonaBuilder builder, string database, TimeSpan? lease = null)
    {
        var duration = lease ?? TimeSpan.FromMinutes(5);
        if (database == "sqlite")
        {
            builder.UseSqlite("Data Source=unused.db", o => o.UpdateLeaseDuration = duration);
        }
        else
        {
            builder.UsePostgreSql("Host=127.0.0.1", o => o.UpdateLeaseDuration = duration);
        }
    }
}
