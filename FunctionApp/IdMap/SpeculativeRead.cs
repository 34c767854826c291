namespace FrontFunctions.IdMap;

/// <summary>Reads started beside another on a guess (the map's and the lookup's overlapping reads).</summary>
internal static class SpeculativeRead
{
    /// <summary>
    /// Waits for a read whose answer is no longer wanted, so its failure is observed rather than left unobserved: a
    /// speculative read's failure changes nothing (the reads in turn follow, or the other read's failure is thrown).
    /// </summary>
    public static async Task ObserveAsync(Task read)
    {
        try
        {
            await read.ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Discarded on purpose: see above.
        }
    }
}
