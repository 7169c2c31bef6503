using System.Globalization;
using System.Text;

namespace AiPersona.CrashWorkload;

/// <summary>The workload's own record of the turns whose call returned, one line per turn ("user session turn"), so a
/// run after a kill goes on from the next turn. A turn killed mid-call is not in it and is sent again.</summary>
internal sealed class Journal : IDisposable
{
    private readonly FileStream _file;
    private readonly Dictionary<string, (int Session, int Turn)> _done;
    private readonly Lock _lock = new();

    private Journal(FileStream file, Dictionary<string, (int Session, int Turn)> done)
    {
        _file = file;
        _done = done;
    }

    public static Journal Open(string path)
    {
        var done = new Dictionary<string, (int Session, int Turn)>(StringComparer.Ordinal);
        var text = File.Exists(path) ? File.ReadAllText(path) : string.Empty;
        foreach (var line in text.Split('\n'))
        {
            var parts = line.Split(' ');
            if (parts.Length == 3
                && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var session)
                && int.TryParse(parts[2], CultureInfo.InvariantCulture, out var turn))
            {
                done[parts[0]] = (session, turn);
            }
        }

        var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        if (text.Length > 0 && !text.EndsWith('\n'))
        {
            file.WriteByte((byte)'\n'); // a line the kill cut short stays on its own line, unread
        }

        return new Journal(file, done);
    }

    /// <summary>The user's last turn whose call returned; (0, 0) before the first.</summary>
    public (int Session, int Turn) LastDone(string userId)
    {
        lock (_lock)
        {
            return _done.GetValueOrDefault(userId);
        }
    }

    public void Record(string userId, int session, int turn)
    {
        var line = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{userId} {session} {turn}\n"));
        lock (_lock)
        {
            _file.Write(line);
            _file.Flush();
            _done[userId] = (session, turn);
        }
    }

    public void Dispose() => _file.Dispose();
}
