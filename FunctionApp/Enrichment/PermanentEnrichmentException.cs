namespace FrontFunctions.Enrichment;

/// <summary>The delivery cannot succeed however often it is retried (message gone, token refused, unusable notification).</summary>
public sealed class PermanentEnrichmentException(string reason, Exception? inner = null) : Exception(reason, inner)
{
    public string Reason => Message;
}
