using System.Net;
using System.Text;
using EscalationHub.Domain.Calendar;
using Google.Protobuf.WellKnownTypes;
using V1 = EscalationHub.Contracts.V1;

namespace EscalationHub.Server.Disagreements.EscalationRecords;

/// <summary>
/// The escalation record as a page to print and file in the patient's notes: one self-contained HTML document (no
/// scripts, no external resources), A4 print CSS, times in the partnership's local time. Deterministic: the same
/// record always renders to the same bytes, so the SHA-256 the ledger binds identifies the page.
/// </summary>
public static class EscalationRecordPage
{
    private const string Style = """
        body { font-family: Arial, Helvetica, sans-serif; font-size: 11pt; color: #000; margin: 2em; }
        h1 { font-size: 16pt; margin: 0 0 .2em; }
        h2 { font-size: 12pt; margin: 1.2em 0 .4em; border-bottom: 1px solid #000; }
        p.source { margin: 0 0 1em; font-size: 9pt; }
        table { border-collapse: collapse; width: 100%; }
        th, td { border: 1px solid #000; padding: .3em .5em; text-align: left; vertical-align: top; }
        th { background: #eee; }
        td.not-reached { color: #555; font-style: italic; }
        .text { white-space: pre-wrap; }
        @page { size: A4; margin: 15mm; }
        @media print {
          body { margin: 0; }
          th { background: none; }
          tr, .keep { break-inside: avoid; page-break-inside: avoid; }
        }
        """;

    public static byte[] Render(V1.EscalationRecord r, WorkingCalendar calendar)
    {
        string E(string? text) => WebUtility.HtmlEncode(text ?? "");
        string When(Timestamp? at) => at is null ? "" : calendar.ToLocal(at.ToDateTimeOffset()).ToString("dd/MM/yyyy HH:mm", System.Globalization.CultureInfo.InvariantCulture);
        string Who(V1.Actor? a) => a is null ? "" : a.Role.Length > 0 ? $"{a.Role}, {a.AgencyCode}" : a.AgencyCode;

        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<title>").Append(E(r.Title)).Append(' ').Append(E(r.DisagreementId)).Append("</title>\n")
            .Append("<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n")
            .Append("<h1>").Append(E(r.Title)).Append("</h1>\n")
            .Append("<p class=\"source\">").Append(E(r.Source)).Append(" &middot; case ").Append(E(r.DisagreementId)).Append("</p>\n");

        html.Append("<h2>Patient details</h2>\n<table class=\"keep\" id=\"patient\">\n<tr><th>Name</th><th>Date of birth</th><th>NHS number</th><th>Child file</th></tr>\n");
        foreach (var p in r.Patients)
            html.Append("<tr><td>").Append(E($"{p.GivenName} {p.FamilyName}")).Append("</td><td>")
                .Append($"{p.DateOfBirth.Day:00}/{p.DateOfBirth.Month:00}/{p.DateOfBirth.Year:0000}").Append("</td><td>")
                .Append(E(p.NhsNumber)).Append("</td><td>").Append(E(p.ChildFileId)).Append("</td></tr>\n");
        html.Append("</table>\n");

        html.Append("<h2>Escalation</h2>\n<table id=\"levels\">\n<tr><th>Level</th><th>Escalated to</th><th>Date and time</th><th>Escalated by</th><th>Reason</th></tr>\n");
        foreach (var l in r.Levels)
        {
            html.Append("<tr><td>").Append(l.Level).Append("</td><td>").Append(E(l.EscalatedTo)).Append("</td>");
            if (l.Reached)
                html.Append("<td>").Append(When(l.EscalatedAt)).Append("</td><td>")
                    .Append(l.Automatic ? "the hub: deadline passed unresolved" : E(Who(l.EscalatedBy))).Append("</td><td class=\"text\">")
                    .Append(E(l.Reason)).Append("</td></tr>\n");
            else
                html.Append("<td class=\"not-reached\" colspan=\"3\">not reached</td></tr>\n");
        }
        html.Append("</table>\n");

        html.Append("<h2>Reason for escalation</h2>\n<p class=\"text keep\" id=\"reason\">").Append(E(r.Reason)).Append("</p>\n");
        html.Append("<h2>Outcome</h2>\n<p class=\"text keep\" id=\"outcome\">").Append(r.Outcome.Length > 0 ? E(r.Outcome) : "Not yet resolved.").Append("</p>\n");

        html.Append("<h2>Signature</h2>\n<table class=\"keep\" id=\"signatures\">\n<tr><th>Approved by</th><th>Date and time</th><th>Record</th></tr>\n");
        if (r.Signatures.Count == 0)
            html.Append("<tr><td colspan=\"3\" class=\"not-reached\">no record approved yet</td></tr>\n");
        foreach (var s in r.Signatures)
            html.Append("<tr><td>").Append(E(Who(s.ApprovedBy))).Append("</td><td>").Append(When(s.ApprovedAt)).Append("</td><td>")
                .Append(E(s.RecordId)).Append(" (stage ").Append(s.Stage).Append(")</td></tr>\n");
        html.Append("</table>\n</body>\n</html>\n");
        return Encoding.UTF8.GetBytes(html.ToString());
    }
}
