namespace EscalationHub.Cli;

/// <summary>hubctl's exit codes, the same for every command.</summary>
public static class ExitCodes
{
    /// <summary>Done; for a verification, the data is intact.</summary>
    public const int Ok = 0;

    /// <summary>A verification found tampering or damage.</summary>
    public const int Tampered = 1;

    /// <summary>Bad usage, or a file could not be read.</summary>
    public const int UsageOrIo = 2;
}
