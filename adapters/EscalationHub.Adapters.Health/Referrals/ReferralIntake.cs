using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EscalationHub.Adapters.Health.Hl7;
using EscalationHub.Adapters.Runtime;
using EscalationHub.Contracts.Messages;

namespace EscalationHub.Adapters.Health.Referrals;

/// <summary>Hands a checked referral to the hub: one RaiseConcern on the hub's inbound queue, complete only once the
/// broker has confirmed it (publisher confirms), so the sender is told "accepted" only for what cannot be lost.</summary>
public sealed class ReferralIntake(string agencyCode, HubSender hub, HealthSettings settings, TimeProvider clock, ILogger<ReferralIntake> logger)
{
    public string AgencyCode => agencyCode;

    public HealthSettings Settings => settings;

    public DateTimeOffset Now => clock.GetUtcNow();

    /// <summary>Sends the concern; false when the broker did not confirm in time (the sender should resend).</summary>
    public async Task<bool> SendAsync(RaiseConcern concern, CancellationToken cancellationToken)
    {
        // The id follows the content: the same referral resent is recognised by the hub's inbox, while a different
        // referral reusing a key reaches the hub, which refuses it.
        var content = Convert.ToHexString(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(concern)));
        var messageId = DeterministicId.For(Guid.Empty, $"{concern.RaisedBy.AgencyCode}/{concern.IdempotencyKey}/{content}");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.HubSendTimeout);
        try
        {
            await hub.SendAsync(concern, messageId, timeout.Token);
            logger.LogInformation("{Agency}: referral {Key} sent to the hub for {LocalAuthority}", AgencyCode, concern.IdempotencyKey, concern.AddressedToAgencyCode);
            return true;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogError(ex, "{Agency}: referral {Key} could not be handed to the broker", AgencyCode, concern.IdempotencyKey);
            return false;
        }
    }

    /// <summary>One HL7 message in, its acknowledgement out: AA only after the broker confirmed the RaiseConcern; AE
    /// (content errors, each with an ERR) or AR (unreadable, unsupported, or the hub unreachable) with nothing sent.</summary>
    public async Task<string> HandleHl7Async(string text, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var ackId = $"ACK{now:yyyyMMddHHmmssfff}{Random.Shared.Next(1000):D3}";
        Hl7Message message;
        try
        {
            message = Hl7Parser.Parse(text);
        }
        catch (Hl7ParseException ex)
        {
            // Locations and codes only: the values may identify a child, and logs are read by operators.
            logger.LogWarning("{Agency}: unreadable HL7 message refused at {Location}", AgencyCode, ex.Location);
            return Hl7Acknowledgement.Build(TryHeaderOnly(text), AckCode.AR, [new Hl7Error(ex.Location, Hl7Error.SegmentSequenceError, ex.Reason)], now, ackId);
        }

        var referral = Hl7ReferralMapper.Map(message, AgencyCode, settings, now);
        if (referral.Concern is null)
        {
            logger.LogWarning("{Agency}: referral {ControlId} refused ({Code}): {Errors}", AgencyCode, message.ControlId, referral.Code,
                string.Join("; ", referral.Errors.Select(e => $"{e.Location} ({e.Code} {Hl7Error.CodeText(e.Code)})")));
            return Hl7Acknowledgement.Build(message, referral.Code, referral.Errors, now, ackId);
        }

        if (!await SendAsync(referral.Concern, cancellationToken))
            return Hl7Acknowledgement.Build(message, AckCode.AR,
                [new Hl7Error(new Hl7Location("MSH", 1, 10), Hl7Error.ApplicationInternalError, "the hub could not take the referral now: resend it")], now, ackId);
        return Hl7Acknowledgement.Build(message, AckCode.AA, [], now, ackId);
    }

    /// <summary>The MSH of a message whose body could not be parsed, so the NAK can still carry MSH-10.</summary>
    public static Hl7Message? TryHeaderOnly(string text)
    {
        var first = text.TrimStart('\uFEFF', '\r', '\n', ' ').Split(['\r', '\n'], 2)[0];
        try { return Hl7Parser.Parse(first); }
        catch (Hl7ParseException) { return null; }
    }

    /// <summary>HL7 bytes to text in the character set MSH-18 names (ISO 8859-1 or UTF-8; UTF-8 when not named).</summary>
    public static (string Text, Encoding Encoding) Decode(byte[] bytes)
    {
        var latin = Encoding.Latin1.GetString(bytes);
        var header = latin.Split(['\r', '\n'], 2)[0];
        var fields = header.Length > 3 ? header.Split(header[3]) : [];
        var charset = fields.Length > 17 ? fields[17] : "";
        if (charset.Contains("8859/1", StringComparison.OrdinalIgnoreCase)) return (latin, Encoding.Latin1);
        try
        {
            return (new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes), new UTF8Encoding(false));
        }
        catch (DecoderFallbackException)
        {
            return (latin, Encoding.Latin1);
        }
    }
}
