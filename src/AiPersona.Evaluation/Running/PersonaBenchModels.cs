using Microsoft.Extensions.AI;

namespace AiPersona.Evaluation;

/// <summary>The models a benchmark run uses. Each role may be a different model.</summary>
public sealed class PersonaBenchModels
{
    /// <summary>Gets the assistant under test.</summary>
    public required IChatClient Assistant { get; init; }

    /// <summary>Gets the simulated user, who role-plays the golden persona.</summary>
    public required IChatClient UserSimulator { get; init; }

    /// <summary>Gets the judge that scores responses and persona similarity.</summary>
    public required IChatClient Judge { get; init; }

    /// <summary>Gets the persona optimizer's model.</summary>
    public required IChatClient Optimizer { get; init; }

    /// <summary>Gets the model that simulates the scenes' APIs.</summary>
    public required IChatClient ToolSimulator { get; init; }

    /// <summary>Gets the embedding model for Conversation RAG; lexical similarity is used when <see langword="null"/>.</summary>
    public IEmbeddingGenerator<string, Embedding<float>>? Embeddings { get; init; }

    /// <summary>Gets a description of the models, printed with the results.</summary>
    public string Description { get; init; } = string.Empty;

    /// <summary>Gets a value indicating whether these are scripted simulations rather than models.</summary>
    public bool IsSimulation { get; init; }

    /// <summary>Uses one model for every role.</summary>
    /// <param name="model">The model.</param>
    /// <param name="description">A description, such as the model name.</param>
    /// <returns>The models.</returns>
    public static PersonaBenchModels UseOneModel(IChatClient model, string description) => new()
    {
        Assistant = model,
        UserSimulator = model,
        Judge = model,
        Optimizer = model,
        ToolSimulator = model,
        Description = description,
    };

    /// <summary>Creates deterministic scripted stand-ins for every role. SIMULATION: they check that the pipeline works
    /// end to end; their scores say nothing about any model's quality.</summary>
    /// <returns>The scripted models.</returns>
    public static PersonaBenchModels CreateScripted() => new()
    {
        Assistant = new ScriptedAssistant(),
        UserSimulator = new ScriptedUser(),
        Judge = new ScriptedJudge(),
        Optimizer = new ScriptedOptimizer(),
        ToolSimulator = new ScriptedToolSimulator(),
        Description = "SIMULATION: deterministic scripted models (pipeline check, not a quality measurement)",
        IsSimulation = true,
    };
}
