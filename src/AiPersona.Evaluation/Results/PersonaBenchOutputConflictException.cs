namespace AiPersona.Evaluation;

/// <summary>Thrown when a run's output directory holds results it must not resume from: results produced with other
/// models, another dataset or another protocol (which the directory's <c>run.json</c> names), or a <c>run.json</c> that
/// cannot be read. Choose another output directory, or delete that one to start over.</summary>
public sealed class PersonaBenchOutputConflictException : InvalidOperationException
{
    /// <summary>Initializes a new instance of the <see cref="PersonaBenchOutputConflictException"/> class.</summary>
    public PersonaBenchOutputConflictException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PersonaBenchOutputConflictException"/> class.</summary>
    /// <param name="message">The message.</param>
    public PersonaBenchOutputConflictException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PersonaBenchOutputConflictException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The exception that caused this one.</param>
    public PersonaBenchOutputConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
