using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AiPersona;

/// <summary>Checks that an update lease outlasts the longest an update holds it: <see cref="AiPersonaOptions.OptimizerTimeout"/>
/// and <see cref="PersonaUpdateScheduler.UpdateLockGrace"/> for the reads and writes around the call. A lease that expired
/// mid-update would let another worker run the same update (a second optimizer call), or forget the user while the first
/// is about to save what it learned.</summary>
internal sealed class UpdateLeaseOptionsValidator(IEnumerable<UpdateLeaseSetting> leases) : IValidateOptions<AiPersonaOptions>
{
    /// <summary>Records the lease of the storage just chosen (replacing an earlier choice) and adds the check once.</summary>
    public static void Register(IServiceCollection services, string optionName, TimeSpan duration)
    {
        services.Replace(ServiceDescriptor.Singleton(new UpdateLeaseSetting(optionName, duration)));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AiPersonaOptions>, UpdateLeaseOptionsValidator>());
    }

    /// <summary>Storage whose update lock does not expire was chosen: an earlier choice's lease no longer applies.</summary>
    public static void Unregister(IServiceCollection services) => services.RemoveAll<UpdateLeaseSetting>();

    public ValidateOptionsResult Validate(string? name, AiPersonaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (leases.LastOrDefault() is not { } lease)
        {
            return ValidateOptionsResult.Skip;
        }

        var timeout = options.OptimizerTimeout;
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            return ValidateOptionsResult.Fail(
                $"AiPersonaOptions.{nameof(options.OptimizerTimeout)} is infinite, but persona updates hold a lease that expires after " +
                $"{lease.OptionName} ({lease.Duration}): an update still running then would let another worker run it again, " +
                $"or forget the user under it. Set an {nameof(options.OptimizerTimeout)} shorter than the lease.");
        }

        var grace = PersonaUpdateScheduler.UpdateLockGrace;
        return timeout < lease.Duration - grace
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"AiPersonaOptions.{nameof(options.OptimizerTimeout)} ({timeout}) plus {grace.TotalSeconds:0} seconds must be shorter than {lease.OptionName} ({lease.Duration}): " +
                "persona updates hold the lease while the optimizer runs and while they save, and a lease that expires mid-update would let another " +
                $"worker run the same update again, or forget the user under it. Lower {nameof(options.OptimizerTimeout)} or raise " +
                "the lease duration, with a margin for the clock difference between app instances.");
    }
}
