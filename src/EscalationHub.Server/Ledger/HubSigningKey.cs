using System.Security.Cryptography;
using EscalationHub.Ledger;
using EscalationHub.Security;

namespace EscalationHub.Server.Ledger;

/// <summary>
/// The hub's ECDSA P-256 tree-head key: generated on first start into the data folder (next to hub.db) as
/// hub-signing-key.pem (PKCS#8, owner-only) with its public half in hub-public-key.pem, and reused after.
/// Verifiers should hold a copy of the public key taken at install time, not trust the one beside the store.
/// </summary>
public sealed class HubSigningKey : IDisposable
{
    public const string PrivateKeyFile = "hub-signing-key.pem";
    public const string PublicKeyFile = "hub-public-key.pem";

    private HubSigningKey(ECDsa key)
    {
        Key = key;
        PublicKeyPem = LedgerKeys.ExportPublicKeyPem(key);
        KeyId = LedgerKeys.KeyId(key);
    }

    public ECDsa Key { get; }
    public string PublicKeyPem { get; }
    public MerkleHash KeyId { get; }

    public static HubSigningKey LoadOrCreate(string dataDirectory)
    {
        DataAtRest.CreatePrivateDirectory(dataDirectory);
        var privatePath = Path.Combine(dataDirectory, PrivateKeyFile);
        var publicPath = Path.Combine(dataDirectory, PublicKeyFile);
        if (!File.Exists(privatePath))
        {
            using var created = LedgerKeys.CreateP256();
            // Owner-only from creation, and atomic: two starting hubs never end up with different keys on disk.
            DataAtRest.CreatePrivateFileOnce(privatePath, LedgerKeys.ExportPrivateKeyPem(created));
        }
        var key = LedgerKeys.ImportPrivateKeyPem(File.ReadAllText(privatePath));
        var signing = new HubSigningKey(key);
        if (!File.Exists(publicPath) || File.ReadAllText(publicPath) != signing.PublicKeyPem)
            File.WriteAllText(publicPath, signing.PublicKeyPem);
        return signing;
    }

    public void Dispose() => Key.Dispose();
}
