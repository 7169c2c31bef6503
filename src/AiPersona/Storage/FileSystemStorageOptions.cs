namespace AiPersona;

/// <summary>Options of the file-system persona store and session store.</summary>
public sealed class FileSystemStorageOptions
{
    /// <summary>Gets or sets the directory that holds every file of the store. Nothing is read or written outside it.</summary>
    /// <value>Defaults to <c>.aipersona</c> under the current directory.</value>
    public string RootDirectory { get; set; } = ".aipersona";
}
