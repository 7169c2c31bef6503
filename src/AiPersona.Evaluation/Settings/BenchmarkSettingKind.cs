namespace AiPersona.Evaluation;

/// <summary>The families of settings the paper compares.</summary>
public enum BenchmarkSettingKind
{
    /// <summary>The assistant knows nothing about the user.</summary>
    NoPersona = 0,

    /// <summary>The assistant is given the golden persona: the upper bound.</summary>
    GoldenPersona = 1,

    /// <summary>The assistant is given the most similar past sessions instead of a persona.</summary>
    ConversationRag = 2,

    /// <summary>AiPersona learns the persona, updating it every k sessions.</summary>
    PersonaLearning = 3,
}
