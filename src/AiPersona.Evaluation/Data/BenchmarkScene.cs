namespace AiPersona.Evaluation;

/// <summary>One everyday scene in which the simulated user asks the assistant for help.</summary>
public sealed class BenchmarkScene
{
    /// <summary>Gets or sets the scene id, unique in the dataset.</summary>
    public string Id { get; set; } = string.Empty;

    /// <summary>Gets or sets the scene type, such as <c>dining</c> or <c>travel</c>.</summary>
    public string SceneType { get; set; } = string.Empty;

    /// <summary>Gets or sets what happens in the scene.</summary>
    public string Description { get; set; } = string.Empty;

    /// <summary>Gets or sets the situation the user is in.</summary>
    public string Context { get; set; } = string.Empty;

    /// <summary>Gets the APIs the assistant may call.</summary>
    public List<BenchmarkApi> Apis { get; set; } = [];

    /// <summary>Gets or sets what a good, personalized response does.</summary>
    public string ExpectedResponse { get; set; } = string.Empty;

    /// <summary>Gets or sets the query as the user would ask it, stating their personal trait.</summary>
    public string PersonalizedQuery { get; set; } = string.Empty;

    /// <summary>Gets or sets the query with the persona's traits removed: what the simulated user opens with.</summary>
    public string NeutralizedQuery { get; set; } = string.Empty;

    /// <summary>Gets the words that state the persona's trait; the personalized query has one, the neutralized none. A
    /// keyword matches at the start of a word, ignoring case, so a stem ("sustainab") covers its forms; see
    /// <see cref="TraitMatcher"/>.</summary>
    public List<string> TraitKeywords { get; set; } = [];
}
