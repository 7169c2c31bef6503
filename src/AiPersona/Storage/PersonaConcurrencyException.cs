namespace AiPersona;

/// <summary>Thrown when a persona change is based on a version that is no longer the stored one.</summary>
public sealed class PersonaConcurrencyException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="PersonaConcurrencyException"/> class.</summary>
    public PersonaConcurrencyException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PersonaConcurrencyException"/> class.</summary>
    /// <param name="message">The message.</param>
    public PersonaConcurrencyException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PersonaConcurrencyException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The exception that caused this one.</param>
    public PersonaConcurrencyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="PersonaConcurrencyException"/> class.</summary>
    /// <param name="expectedVersion">The version the change was based on.</param>
    /// <param name="actualVersion">The version in the store.</param>
    public PersonaConcurrencyException(long expectedVersion, long actualVersion)
        : base($"The persona was changed concurrently: the change is based on version {expectedVersion}, but the stored version is {actualVersion}. Read the persona again and reapply the edits.")
    {
        ExpectedVersion = expectedVersion;
        ActualVersion = actualVersion;
    }

    /// <summary>Gets the version the change was based on.</summary>
    public long ExpectedVersion { get; }

    /// <summary>Gets the version in the store when the change was refused.</summary>
    public long ActualVersion { get; }
}
