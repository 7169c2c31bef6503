namespace AiPersona.Benchmarks;

/// <summary>The persona every benchmark user starts with.</summary>
internal static class BenchmarkPersonas
{
    /// <summary>Sixteen edits that fill a traveller's persona.</summary>
    /// <param name="user">The user's number, used in the name.</param>
    /// <returns>The edits.</returns>
    public static PersonaEdit[] Edits(int user) =>
    [
        PersonaEdit.Set("demographics", "name", $"Traveller {user}"),
        PersonaEdit.Set("demographics", "age", "30-40"),
        PersonaEdit.Set("demographics", "nationality", "Portuguese, living in Berlin"),
        PersonaEdit.Set("demographics", "languages", "Portuguese, English, some German"),
        PersonaEdit.Set("demographics", "career", "Senior backend engineer at a logistics company"),
        PersonaEdit.Set("personality", "extraversion_introversion", "Introverted; recharges with quiet time"),
        PersonaEdit.Set("personality", "judging_perceiving", "Plans ahead, likes clear itineraries"),
        PersonaEdit.Set("personality", "values_and_interests", "Modern art, specialty coffee, long walks, photography"),
        PersonaEdit.Set("patterns", "behavior_engagement", "Asks short follow-ups, reads answers fully"),
        PersonaEdit.Set("patterns", "usage", "Trip planning and restaurant choices, mostly on weekday evenings"),
        PersonaEdit.Set("patterns", "emotional", "Gets stressed by crowded places"),
        PersonaEdit.Set("patterns", "purchase", "Mid-range budget, prefers booking directly with venues"),
        PersonaEdit.Set("preferences", "styles", "Direct and friendly, no small talk"),
        PersonaEdit.Set("preferences", "formats", "Short bullet lists with opening hours"),
        PersonaEdit.Set("preferences", "workflows", "Uses public transport, wants walking distances"),
        PersonaEdit.Set("demographics", "gender", "Woman"),
    ];
}
