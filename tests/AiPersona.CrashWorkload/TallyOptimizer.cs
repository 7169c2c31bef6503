using System.Globalization;

namespace AiPersona.CrashWorkload;

/// <summary>A scripted persona optimizer: it adds the number of sessions it is given to a counter in the persona,
/// citing them, and says on standard output when it starts, so the test can kill the process mid-update.</summary>
internal sealed class TallyOptimizer : IPersonaOptimizer
{
    public async Task<PersonaOptimizationResult> OptimizeAsync(PersonaOptimizationRequest request, CancellationToken cancellationToken = default)
    {
        Console.WriteLine($"optimizing {request.Persona.UserId} {string.Join(',', request.Sessions.Select(static s => s.ConversationId))}");
        await Task.Delay(15, cancellationToken);
        var learned = int.TryParse(request.Persona.GetValue(WorkloadScript.Section, WorkloadScript.Field)?.Value, CultureInfo.InvariantCulture, out var count) ? count : 0;
        var value = (learned + request.Sessions.Count).ToString(CultureInfo.InvariantCulture);
        return PersonaOptimizationResult.Success([PersonaEdit.Set(WorkloadScript.Section, WorkloadScript.Field, value, "counted the sessions", [.. request.Sessions.Select(static s => s.Id)])]);
    }
}
