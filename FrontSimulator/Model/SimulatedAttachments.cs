using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace FrontSimulator.Model;

/// <summary>
/// An attachment the simulator holds: given bytes (<see cref="Content"/>), or, when none were given, <see cref="Size"/>
/// bytes generated on the fly by <see cref="SimulatedAttachments.ByteAt"/> (a 20 MB teammate attachment costs no memory).
/// </summary>
internal sealed record KeptAttachment(string Id, string Filename, string ContentType, long Size, byte[]? Content)
{
    public string Sha256 => Convert.ToHexStringLower(Content is { } bytes ? SHA256.HashData(bytes) : SimulatedAttachments.GeneratedSha256(Size));
}

/// <summary>A teammate message the simulator sent to a channel's webhook: its payload (served by <c>GET /messages/{id}</c>) and attachments.</summary>
internal sealed record SentTeammateMessage(string ChannelId, string MessageId, string PayloadJson, IReadOnlyList<KeptAttachment> Attachments);

/// <summary>The attachments of an accepted multipart import, by the <c>message_uid</c> Front answered.</summary>
internal sealed record ImportedAttachments(string ChannelId, string MessageUid, string ExternalId, IReadOnlyList<KeptAttachment> Attachments);

/// <summary>
/// The simulator's attachments: teammate messages' (downloadable through <c>GET /messages/{id}/download/{attachment_link_id}</c>)
/// and multipart imports' (kept and shown by the control API), plus two switches: channels whose token gets 403 on a
/// download, and a hold that pauses every download after a number of bytes until released (to prove a caller streams).
/// </summary>
internal sealed class SimulatedAttachments
{
    private readonly object _gate = new();
    private readonly Dictionary<string, SentTeammateMessage> _sent = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ImportedAttachments> _imported = new(StringComparer.Ordinal);
    private readonly HashSet<string> _forbidden = new(StringComparer.Ordinal);
    private (long AfterBytes, TaskCompletionSource Released)? _hold;

    /// <summary>The byte at <paramref name="index"/> of a generated attachment: a fixed pattern, so a test can check what it got.</summary>
    public static byte ByteAt(long index) => (byte)((index * 131 + 7) % 251);

    public static byte[] GeneratedSha256(long size)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[64 * 1024];
        for (long offset = 0; offset < size; offset += buffer.Length)
        {
            var count = (int)Math.Min(buffer.Length, size - offset);
            Fill(buffer.AsSpan(0, count), offset);
            hash.AppendData(buffer, 0, count);
        }

        return hash.GetHashAndReset();
    }

    public static void Fill(Span<byte> buffer, long offset)
    {
        for (var i = 0; i < buffer.Length; i++)
        {
            buffer[i] = ByteAt(offset + i);
        }
    }

    public void RecordSent(string channelId, string messageId, JsonObject payload, IReadOnlyList<KeptAttachment> attachments)
    {
        lock (_gate)
        {
            _sent[messageId] = new SentTeammateMessage(channelId, messageId, payload.ToJsonString(), attachments);
        }
    }

    public SentTeammateMessage? FindSent(string messageId)
    {
        lock (_gate)
        {
            return _sent.GetValueOrDefault(messageId);
        }
    }

    public void KeepImported(string channelId, string messageUid, string externalId, IReadOnlyList<KeptAttachment> attachments)
    {
        lock (_gate)
        {
            _imported[messageUid] = new ImportedAttachments(channelId, messageUid, externalId, attachments);
        }
    }

    public ImportedAttachments? FindImported(string messageUid)
    {
        lock (_gate)
        {
            return _imported.GetValueOrDefault(messageUid);
        }
    }

    public (IReadOnlyList<SentTeammateMessage> Sent, IReadOnlyList<ImportedAttachments> Imported) OfChannel(string channelId)
    {
        lock (_gate)
        {
            return ([.. _sent.Values.Where(s => s.ChannelId == channelId && s.Attachments.Count > 0)],
                [.. _imported.Values.Where(i => i.ChannelId == channelId)]);
        }
    }

    public void SetForbidden(string channelId, bool forbidden)
    {
        lock (_gate)
        {
            _ = forbidden ? _forbidden.Add(channelId) : _forbidden.Remove(channelId);
        }
    }

    public bool IsForbidden(string channelId)
    {
        lock (_gate)
        {
            return _forbidden.Contains(channelId);
        }
    }

    /// <summary>From now on every download pauses once it has written <paramref name="afterBytes"/> bytes, until <see cref="Release"/>.</summary>
    public void Hold(long afterBytes)
    {
        lock (_gate)
        {
            _hold?.Released.TrySetResult();
            _hold = (afterBytes, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }
    }

    public void Release()
    {
        lock (_gate)
        {
            _hold?.Released.TrySetResult();
            _hold = null;
        }
    }

    public (long AfterBytes, Task Released)? CurrentHold()
    {
        lock (_gate)
        {
            return _hold is { } h ? (h.AfterBytes, h.Released.Task) : null;
        }
    }

    public void Reset()
    {
        Release();
        lock (_gate)
        {
            _sent.Clear();
            _imported.Clear();
            _forbidden.Clear();
        }
    }
}
