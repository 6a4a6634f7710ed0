using System.Runtime.InteropServices;

namespace EscalationHub.Security;

/// <summary>
/// Children's data on disk is private to the service user: data folders 0700; databases (and their WAL, SHM and
/// journal files), private keys and the operator token 0600. <see cref="Protect"/>, first thing in a process's
/// Program, sets the umask to 077, so whatever the process creates (SQLite makes its -wal and -shm files itself) is
/// private from the start, and turns on the start-up check of <see cref="PrepareFolder"/>: a data folder open to
/// group or others, or a private file in it that is, stops the process with the path and the chmod that fixes it.
/// </summary>
public static class DataAtRest
{
    private const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode GroupOrOthers = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private static volatile bool enforced;

    /// <summary>Call first in Program (the hub, every standalone adapter): umask 077, the start-up check on, and a
    /// refused start (<see cref="StartRefusedException"/>) printed as its message with exit code 1.</summary>
    public static void Protect()
    {
        if (!OperatingSystem.IsWindows()) umask(0b000_111_111); // 077: no bits for group or others on anything created
        enforced = true;
        AppDomain.CurrentDomain.UnhandledException += (_, e) =>
        {
            if (e.ExceptionObject is not StartRefusedException refused) return;
            Console.Error.WriteLine(refused.Message);
            Environment.Exit(1);
        };
    }

    /// <summary>Creates the data folder owner-only if it is missing; in a protected process, refuses to start when it,
    /// a sub-folder named in <paramref name="privateSubfolders"/>, or a private file in them is open to group or
    /// others. In-process test hosts (no <see cref="Protect"/>) only get the folder created.</summary>
    public static void PrepareFolder(string folder, params string[] privateSubfolders)
    {
        folder = Path.GetFullPath(folder);
        CreatePrivateDirectory(folder);
        if (!enforced || OperatingSystem.IsWindows()) return;

        var problems = new List<(string Path, UnixFileMode Mode, bool IsFolder)>();
        foreach (var directory in privateSubfolders.Select(s => Path.Combine(folder, s)).Where(Directory.Exists).Prepend(folder))
        {
            var mode = File.GetUnixFileMode(directory);
            if ((mode & GroupOrOthers) != 0) problems.Add((directory, mode, true));
            foreach (var file in Directory.EnumerateFiles(directory).Where(f => IsPrivate(Path.GetFileName(f))))
            {
                var fileMode = File.GetUnixFileMode(file);
                if ((fileMode & GroupOrOthers) != 0) problems.Add((file, fileMode, false));
            }
        }
        if (problems.Count == 0) return;

        var folders = problems.Where(p => p.IsFolder).Select(p => Quote(p.Path)).ToList();
        var files = problems.Where(p => !p.IsFolder).Select(p => Quote(p.Path)).ToList();
        var fix = string.Join(" && ", new[]
        {
            folders.Count > 0 ? $"chmod 700 {string.Join(' ', folders)}" : null,
            files.Count > 0 ? $"chmod 600 {string.Join(' ', files)}" : null,
        }.Where(c => c is not null));
        throw new StartRefusedException(
            "Refusing to start: children's data must be private to the service user, and these are open to group or others:\n"
            + string.Join('\n', problems.Select(p => $"  {p.Path} ({(p.IsFolder ? "folder" : "file")}, mode {Octal(p.Mode)}; needs {(p.IsFolder ? "0700" : "0600")})"))
            + $"\nFix with: {fix}\n(and check who could have read them meanwhile).");
    }

    /// <summary>Files that hold children's data or secrets: SQLite databases with their -wal, -shm and -journal files,
    /// private keys, the operator token. Certificates, public keys and the revocation list are public.</summary>
    public static bool IsPrivate(string fileName) =>
        fileName.EndsWith(".db", StringComparison.Ordinal) || fileName.EndsWith(".db-wal", StringComparison.Ordinal)
        || fileName.EndsWith(".db-shm", StringComparison.Ordinal) || fileName.EndsWith(".db-journal", StringComparison.Ordinal)
        || fileName.EndsWith(".key", StringComparison.Ordinal) || fileName.EndsWith(".pfx", StringComparison.Ordinal)
        || fileName.EndsWith(".p12", StringComparison.Ordinal)
        || (fileName.EndsWith("-key.pem", StringComparison.Ordinal) && !fileName.EndsWith("public-key.pem", StringComparison.Ordinal))
        || fileName == "operator-token";

    /// <summary>Creates a directory (and any missing parents) owner-only, whatever the umask.</summary>
    public static void CreatePrivateDirectory(string path)
    {
        if (Directory.Exists(path)) return;
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(path);
        else Directory.CreateDirectory(path, OwnerOnlyFolder);
    }

    /// <summary>Writes a secret file once, owner-only from its creation (a temporary file made 0600, then renamed into
    /// place without overwriting). Returns the contents on disk: <paramref name="contents"/>, or what another process
    /// wrote first.</summary>
    public static string CreatePrivateFileOnce(string path, string contents)
    {
        if (File.Exists(path)) return File.ReadAllText(path);
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerOnlyFile;
        File.Delete(temporary); // a left-over one would keep its mode
        using (var stream = new FileStream(temporary, options))
        using (var writer = new StreamWriter(stream))
            writer.Write(contents);
        try { File.Move(temporary, path, overwrite: false); }
        catch (IOException) when (File.Exists(path)) { File.Delete(temporary); }
        return File.ReadAllText(path);
    }

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode & 0xFFF, 8).PadLeft(4, '0');

    private static string Quote(string path) => path.Contains(' ') || path.Contains('\'') ? $"'{path.Replace("'", "'\\''")}'" : path;

    [DllImport("libc", EntryPoint = "umask")]
    private static extern uint umask(uint mask);
}

/// <summary>A start-up refusal (unsafe settings or files): the process prints the message and exits with code 1
/// (see <see cref="DataAtRest.Protect"/>) rather than a stack trace.</summary>
public sealed class StartRefusedException(string message) : Exception(message);
