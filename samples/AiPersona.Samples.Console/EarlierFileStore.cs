using System.Globalization;
using AiPersona;
using Microsoft.Extensions.DependencyInjection;

/// <summary>Earlier versions of this sample kept their data as JSON files in the same folder (the file-system store)
/// before it moved to SQLite. Someone who ran one of them keeps what was learned: the files are copied into the database
/// once, with <see cref="AiPersonaStorageCopy"/>, and then put aside, never deleted.</summary>
internal static class EarlierFileStore
{
    private static readonly string[] Folders = ["personas", "sessions", "updates"];

    /// <summary>Copies file-store data found in <paramref name="dataDirectory"/> into the stores of
    /// <paramref name="target"/>, then moves the files into a folder beside the database.</summary>
    /// <returns><see langword="false"/> when something could not be copied; the files are then left where they are.</returns>
    public static async Task<bool> MoveIntoAsync(string dataDirectory, IServiceProvider target)
    {
        if (!Directory.Exists(Path.Combine(dataDirectory, "personas")) && !Directory.Exists(Path.Combine(dataDirectory, "sessions")))
        {
            return true;
        }

        StorageCopyResult result;
        await using (var files = new ServiceCollection().AddAiPersona().UseFileSystemStorage(dataDirectory).Services.BuildServiceProvider())
        {
            result = await AiPersonaStorageCopy.CopyAsync(files, target);
        }

        if (!result.IsComplete)
        {
            Console.Error.WriteLine($"Data an earlier version of this sample kept as files in {dataDirectory} could not all be copied into its database, which holds other data for these users; that data and the files were left as they are (what did not conflict was copied). Move the folders {string.Join(", ", Folders)} out of {dataDirectory} to go on without them:");
            foreach (var conflict in result.Conflicts)
            {
                Console.Error.WriteLine($"  {conflict.UserId}: {conflict.Reason}");
            }

            return false;
        }

        var aside = Path.Combine(dataDirectory, "files-copied-to-sqlite");
        if (Directory.Exists(aside))
        {
            aside += DateTime.UtcNow.ToString("-yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        }

        Directory.CreateDirectory(aside);
        foreach (var folder in Folders.Select(f => Path.Combine(dataDirectory, f)).Where(Directory.Exists))
        {
            Directory.Move(folder, Path.Combine(aside, Path.GetFileName(folder)));
        }

        Console.WriteLine($"Copied {result.PersonasCopied} persona(s) and {result.SessionsCopied} session(s) that an earlier version of this sample kept as files into the SQLite database; the files are kept in {aside}.");
        Console.WriteLine();
        return true;
    }
}
