namespace AiPersona.RealClients.Tests;

public enum FakeProtocol
{
    OpenAI,
    Ollama,
}
