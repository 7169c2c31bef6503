namespace AiPersona.RealClients.Tests;

/// <summary>A function call a <see cref="FakeLlmServer"/> answers with, in place of text.</summary>
/// <param name="Id">The call id the result must name.</param>
/// <param name="Name">The function.</param>
/// <param name="Arguments">The arguments, as a JSON object text.</param>
public sealed record FakeToolCall(string Id, string Name, string Arguments);
