namespace AiPersona;

/// <summary>An optimizer edit that validation refused, and why.</summary>
/// <param name="Edit">The edit as proposed.</param>
/// <param name="Reason">Why it was refused.</param>
public sealed record RejectedPersonaEdit(PersonaEdit Edit, string Reason);
