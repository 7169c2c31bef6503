namespace AiPersona;

/// <summary>Renders a persona into the text added to a chat request.</summary>
/// <remarks>Implementations must be deterministic (the same persona gives the same text, so providers' prompt caches
/// keep hitting), stay within the token budget, and present values as data about the user, not as instructions.</remarks>
public interface IPersonaRenderer
{
    /// <summary>Renders the persona.</summary>
    /// <param name="persona">The persona.</param>
    /// <param name="schema">The schema, which gives the order and importance of fields.</param>
    /// <param name="tokenBudget">The most tokens the text may take.</param>
    /// <returns>The text, or an empty string when there is nothing to add.</returns>
    string Render(Persona persona, PersonaSchema schema, int tokenBudget);
}
