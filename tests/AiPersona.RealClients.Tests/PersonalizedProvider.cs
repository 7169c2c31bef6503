using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace AiPersona.RealClients.Tests;

/// <summary>A service provider with AiPersona (updates inline) around a real client, where the user "ana" already has a
/// persona of one value.</summary>
public static class PersonalizedProvider
{
    /// <summary>How ana's one value reads in a request the persona went with.</summary>
    public const string AnasValue = "preferences.formats: \"Short answers\"";

    public static async Task<ServiceProvider> StartAsync(IChatClient inner)
    {
        var services = new ServiceCollection();
        services.AddAiPersona(o => o.UpdateMode = PersonaUpdateMode.Inline);
        services.AddChatClient(inner).UsePersonalization();
        var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<IPersonaStore>().SaveAsync(
            Persona.CreateEmpty("ana").ApplyEdits([PersonaEdit.Set("preferences", "formats", "Short answers")], DateTimeOffset.UtcNow));
        return provider;
    }
}
