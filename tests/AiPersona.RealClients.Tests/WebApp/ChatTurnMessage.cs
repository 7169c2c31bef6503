namespace AiPersona.RealClients.Tests.WebApp;

/// <summary>One message of a <see cref="ChatTurnRequest"/>.</summary>
/// <param name="Role"><c>user</c> or <c>assistant</c>.</param>
/// <param name="Text">The text.</param>
public sealed record ChatTurnMessage(string Role, string Text);
