namespace AiPersona.Samples;

/// <summary>What the samples report as a failed model call rather than crash on: an endpoint that is down, refuses the
/// call or times out. Compiled into each sample.</summary>
internal static class ModelCallFailures
{
    /// <summary>Whether the exception is a model call's failure. The OpenAI client retries a call that could not connect,
    /// then throws every attempt's failure together in an <see cref="AggregateException"/>.</summary>
    /// <param name="exception">The exception.</param>
    /// <returns><see langword="true"/> for a model call's failure.</returns>
    public static bool Is(Exception exception)
        => exception is HttpRequestException or System.ClientModel.ClientResultException or InvalidOperationException or OperationCanceledException
            || (exception is AggregateException { InnerExceptions.Count: > 0 } aggregate && aggregate.InnerExceptions.All(Is));

    /// <summary>Describes the failure in one line: the last attempt's message, and how many were made.</summary>
    /// <param name="exception">The exception.</param>
    /// <returns>The description.</returns>
    public static string Describe(Exception exception)
        => exception is AggregateException { InnerExceptions: [.., var last] } aggregate
            ? $"{last.Message} ({aggregate.InnerExceptions.Count} attempts)"
            : exception.Message;
}
