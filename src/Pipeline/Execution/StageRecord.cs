namespace Hnn.Pipeline.Execution;

/// <summary>What one stage did in a run: its key, whether it came from the cache, and how long it took.</summary>
public sealed record StageRecord(string Stage, string Key, bool Cached, double Seconds, double ComputeSeconds);
