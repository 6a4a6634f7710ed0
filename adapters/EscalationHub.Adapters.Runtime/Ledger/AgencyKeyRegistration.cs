using System.Security.Cryptography;
using System.Text;
using EscalationHub.Contracts.Messages;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EscalationHub.Adapters.Runtime.Ledger;

/// <summary>Registers each hosted agency's approval public key with the hub at start (RegisterAgencyKey). The message
/// id comes from the key, so a restart resends the same message and the hub's inbox applies it once.</summary>
public sealed class AgencyKeyRegistration(AgencyLedgers ledgers, HubSender hub, TimeProvider clock, ILogger<AgencyKeyRegistration> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var ledger in ledgers.All)
        {
            var keyHash = SHA256.HashData(Encoding.ASCII.GetBytes(ledger.ApprovalPublicKeyPem));
            var messageId = DeterministicId.For(new Guid(keyHash.AsSpan(0, 16)), $"register-key/{ledger.AgencyCode}");
            for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
            {
                try
                {
                    await hub.SendAsync(new RegisterAgencyKey(ledger.AgencyCode, ledger.ApprovalPublicKeyPem, clock.GetUtcNow()), messageId, stoppingToken);
                    logger.LogInformation("{Agency}: approval key registered with the hub", ledger.AgencyCode);
                    break;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The bus may still be starting.
                    if (attempt % 10 == 1) logger.LogWarning(ex, "{Agency}: could not send the approval key yet; retrying", ledger.AgencyCode);
                    await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
                }
            }
        }
    }
}
