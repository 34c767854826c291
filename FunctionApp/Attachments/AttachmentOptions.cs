using System.ComponentModel.DataAnnotations;

namespace FrontFunctions.Attachments;

/// <summary>The <c>Attachments</c> settings (docs/settings.md).</summary>
public sealed class AttachmentOptions
{
    public const string SectionName = "Attachments";

    /// <summary>Front's own limit: "Attachments are limited to 25 MB" (https://dev.frontapp.com/docs/attachments-1).</summary>
    public const long FrontLimitBytes = 25L * 1024 * 1024;

    /// <summary>
    /// The largest file the download route streams (default 25 MB, Front's attachment limit). A larger one is answered 413
    /// before a byte is sent when Front states its size, and cut off (the connection aborted) when it does not and runs over.
    /// </summary>
    [Range(typeof(long), "1", "9223372036854775807", ErrorMessage = "Attachments__MaxDownloadBytes must be at least 1.")]
    public long MaxDownloadBytes { get; set; } = FrontLimitBytes;

    /// <summary>
    /// The most files one import may carry (default 20). Front documents a size limit (25 MB in all) but no count; this is the
    /// app's own bound on the parts it holds in memory while forwarding.
    /// </summary>
    [Range(1, 1000, ErrorMessage = "Attachments__MaxImportFiles must be between 1 and 1000.")]
    public int MaxImportFiles { get; set; } = 20;
}
