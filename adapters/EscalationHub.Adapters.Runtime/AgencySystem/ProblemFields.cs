using Microsoft.AspNetCore.Http;

namespace EscalationHub.Adapters.Runtime.AgencySystem;

/// <summary>What is wrong with a request from an agency system, field by field (JSON paths as the system sent them),
/// answered as an RFC 7807 problem-details body: 400, <c>application/problem+json</c>, <c>errors: {field: [..]}</c>.</summary>
public sealed class ProblemFields
{
    private readonly Dictionary<string, List<string>> errors = new(StringComparer.Ordinal);

    public bool HasErrors => errors.Count > 0;

    public IReadOnlyDictionary<string, string[]> All => errors.ToDictionary(e => e.Key, e => e.Value.ToArray());

    public bool Has(string field) => errors.ContainsKey(field);

    public void Add(string field, string description)
    {
        if (!errors.TryGetValue(field, out var list)) errors[field] = list = [];
        list.Add(description);
    }

    /// <summary>Another request part's errors, under its path (e.g. "[1].reason").</summary>
    public void AddAll(string prefix, ProblemFields other)
    {
        foreach (var (field, descriptions) in other.errors)
            foreach (var description in descriptions) Add(field == "$" ? prefix : $"{prefix}.{field}", description);
    }

    public void Required(string field, string? value, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value)) Add(field, "is required");
        else if (value.Length > maxLength) Add(field, $"must be at most {maxLength} characters (got {value.Length})");
    }

    public IResult ToResult(string title = "The request has invalid fields; nothing was sent to the hub") =>
        Results.ValidationProblem(All, title: title, type: "https://tools.ietf.org/html/rfc9110#section-15.5.1");

    public static IResult Single(string field, string description) => new ProblemFields().With(field, description).ToResult();

    private ProblemFields With(string field, string description)
    {
        Add(field, description);
        return this;
    }
}
