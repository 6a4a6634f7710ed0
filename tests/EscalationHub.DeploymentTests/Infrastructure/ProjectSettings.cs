using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace EscalationHub.DeploymentTests.Infrastructure;

/// <summary>The configuration keys an app project reads, found in its own source: the keys of its appsettings.json,
/// the "Section:Key" literals its code (and the projects it references) looks up, and the properties of its
/// options classes bound to a section (a class with <c>const string Section = "X"</c>).</summary>
public sealed partial class ProjectSettings
{
    private ProjectSettings(string directory, IReadOnlySet<string> keys, JsonElement? appSettings)
    {
        Directory = directory;
        Keys = keys;
        AppSettings = appSettings;
    }

    public string Directory { get; }

    /// <summary>Configuration keys ("Messaging:RabbitMq"), compared ignoring case as .NET configuration does.</summary>
    public IReadOnlySet<string> Keys { get; }

    public JsonElement? AppSettings { get; }

    /// <summary>True when an environment variable (Section__Key) names a setting this project reads.</summary>
    public bool Reads(string environmentVariable) => Keys.Contains(environmentVariable.Replace("__", ":"));

    public string? Setting(string key)
    {
        if (AppSettings is not { } element) return null;
        foreach (var part in key.Split(':'))
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(part, out element)) return null;
        }
        return element.ValueKind == JsonValueKind.String ? element.GetString() : element.ToString();
    }

    public static ProjectSettings Of(string projectDirectory)
    {
        var directory = Repo.PathOf(projectDirectory);
        var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        JsonElement? appSettings = null;
        var appSettingsFile = Path.Combine(directory, "appsettings.json");
        if (File.Exists(appSettingsFile))
        {
            appSettings = JsonDocument.Parse(File.ReadAllText(appSettingsFile)).RootElement.Clone();
            Flatten(appSettings.Value, "", keys);
        }

        foreach (var source in ProjectClosure(directory).SelectMany(d => System.IO.Directory.EnumerateFiles(d, "*.cs", SearchOption.AllDirectories))
                     .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}")))
        {
            var code = File.ReadAllText(source);
            foreach (Match literal in KeyLiteral().Matches(code)) keys.Add(literal.Groups[1].Value);
            if (SectionConstant().Match(code) is { Success: true } section)
                foreach (Match property in SettableProperty().Matches(code))
                    keys.Add($"{section.Groups[1].Value}:{property.Groups[1].Value}");
        }
        return new ProjectSettings(directory, keys, appSettings);
    }

    /// <summary>The project directory and those of every project it references, transitively.</summary>
    private static IEnumerable<string> ProjectClosure(string directory)
    {
        var seen = new HashSet<string>();
        var pending = new Stack<string>([Path.GetFullPath(directory)]);
        while (pending.Count > 0)
        {
            var current = pending.Pop();
            if (!seen.Add(current)) continue;
            foreach (var csproj in System.IO.Directory.EnumerateFiles(current, "*.csproj"))
                foreach (var reference in XDocument.Load(csproj).Descendants("ProjectReference"))
                    pending.Push(Path.GetFullPath(Path.GetDirectoryName(Path.Combine(current, reference.Attribute("Include")!.Value.Replace('\\', '/')))!));
        }
        return seen;
    }

    private static void Flatten(JsonElement element, string prefix, HashSet<string> keys)
    {
        if (prefix != "") keys.Add(prefix);
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                    Flatten(property.Value, prefix == "" ? property.Name : $"{prefix}:{property.Name}", keys);
                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                    Flatten(item, $"{prefix}:{index++}", keys);
                break;
        }
    }

    // "Adapter:AgencyCode", "Store:Path": PascalCase segments joined by colons, as a whole string literal.
    [GeneratedRegex("\"([A-Z][A-Za-z0-9]*(?::[A-Z][A-Za-z0-9]*)+)\"")]
    private static partial Regex KeyLiteral();

    [GeneratedRegex("const string Section = \"([A-Za-z0-9]+)\"")]
    private static partial Regex SectionConstant();

    [GeneratedRegex(@"public\s+[\w<>\[\]?.]+\s+(\w+)\s*\{\s*get;\s*set;")]
    private static partial Regex SettableProperty();
}
