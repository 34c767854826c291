using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace FrontFunctions.Tests.Infrastructure;

/// <summary>
/// A pipeline policy for table clients in tests that refuses, before it reaches Azurite, what Azure Table Storage refuses
/// and Azurite lets through (Microsoft Learn, "Understanding the Table service data model" and "Table Storage error codes",
/// https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model,
/// https://learn.microsoft.com/rest/api/storageservices/table-service-error-codes):
/// <list type="bullet">
/// <item>a string property over 64 KiB (UTF-16: 32,768 characters) or a binary one over 64 KiB: <c>PropertyValueTooLarge</c>;</item>
/// <item>an entity over 1 MiB (Learn's size formula): <c>EntityTooLarge</c>;</item>
/// <item>more than 255 properties, PartitionKey, RowKey and Timestamp included: <c>TooManyProperties</c>;</item>
/// <item>a key with <c>/ \ # ?</c> or a control character (U+0000–U+001F, U+007F–U+009F): <c>OutOfRangeInput</c>;</item>
/// <item>a key over 1 KiB (UTF-16: 512 characters): <c>KeyValueTooLarge</c>.</item>
/// </list>
/// Every entity a write carries is checked: inserts, updates, upserts and each operation of a batch (a refused batch is
/// answered as Azure answers it: 202 with the failed operation inside, which the SDK throws as a
/// <see cref="Azure.Data.Tables.TableTransactionFailedException"/>). The
/// refusal is a 400 with Azure's error code in <c>x-ms-error-code</c> and the OData error body, so
/// <see cref="RequestFailedException.ErrorCode"/> reads as it would against Azure. Use <see cref="Options"/> (or
/// <see cref="TestStorage.LimitedTables"/>) for a client that has it.
/// </summary>
public sealed partial class AzureTableLimits : HttpPipelinePolicy
{
    public const int MaxPropertyBytes = 64 * 1024;
    public const int MaxEntityBytes = 1024 * 1024;
    public const int MaxProperties = 255;
    public const int MaxKeyBytes = 1024;

    /// <summary>Table client options with this policy on every request.</summary>
    public static Azure.Data.Tables.TableClientOptions Options()
    {
        var options = new Azure.Data.Tables.TableClientOptions();
        options.AddPolicy(new AzureTableLimits(), HttpPipelinePosition.PerCall);
        return options;
    }

    /// <summary>The refusals so far (error code and reason), for tests that want to see them.</summary>
    public static int Refusals => _refusals;

    private static int _refusals;

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        if (Check(message, CancellationToken.None) is { } refusal)
        {
            message.Response = refusal;
            return;
        }

        ProcessNext(message, pipeline);
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        if (Check(message, message.CancellationToken) is { } refusal)
        {
            message.Response = refusal;
            return;
        }

        await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
    }

    private static Response? Check(HttpMessage message, CancellationToken cancellationToken)
    {
        var request = message.Request;
        var method = request.Method.Method;
        if (method is not ("POST" or "PUT" or "PATCH" or "MERGE"))
        {
            return null;
        }

        var path = Uri.UnescapeDataString(request.Uri.Path);
        if (path.EndsWith("/Tables", StringComparison.Ordinal))
        {
            return null; // creating a table
        }

        string body;
        using (var buffer = new MemoryStream())
        {
            request.Content?.WriteTo(buffer, cancellationToken);
            body = Encoding.UTF8.GetString(buffer.ToArray());
        }

        if (path.EndsWith("/$batch", StringComparison.Ordinal))
        {
            if (CheckBatch(body) is not { } refused)
            {
                return null;
            }

            Interlocked.Increment(ref _refusals);
            return Refusal.InBatch(refused.Code, refused.Message, refused.Index);
        }

        if (CheckOperation(path, body) is not { } violation)
        {
            return null;
        }

        Interlocked.Increment(ref _refusals);
        return new Refusal(violation.Code, violation.Message);
    }

    /// <summary>Each operation of a batch: its request line (the URL carries the keys of an update) and its JSON body.</summary>
    private static (string Code, string Message, int Index)? CheckBatch(string body)
    {
        var index = 0;
        foreach (Match operation in BatchOperation().Matches(body))
        {
            var url = Uri.UnescapeDataString(new Uri(operation.Groups["url"].Value).AbsolutePath);
            var json = operation.Groups["json"].Success ? operation.Groups["json"].Value : "";
            if (CheckOperation(url, json) is { } violation)
            {
                return (violation.Code, violation.Message, index);
            }

            index++;
        }

        return null;
    }

    private static (string Code, string Message)? CheckOperation(string path, string json)
    {
        var keys = UrlKeys().Match(path);
        var partitionKey = keys.Success ? keys.Groups["pk"].Value.Replace("''", "'", StringComparison.Ordinal) : null;
        var rowKey = keys.Success ? keys.Groups["rk"].Value.Replace("''", "'", StringComparison.Ordinal) : null;
        var properties = 0;
        long size = 4;
        if (!string.IsNullOrWhiteSpace(json))
        {
            using var document = JsonDocument.Parse(json);
            var types = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name.EndsWith("@odata.type", StringComparison.Ordinal))
                {
                    types[property.Name[..^"@odata.type".Length]] = property.Value.GetString() ?? "";
                }
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                var name = property.Name;
                if (name.Contains("odata.", StringComparison.Ordinal))
                {
                    continue;
                }

                if (name == "PartitionKey")
                {
                    partitionKey = property.Value.GetString();
                    continue;
                }

                if (name == "RowKey")
                {
                    rowKey = property.Value.GetString();
                    continue;
                }

                if (name == "Timestamp")
                {
                    continue; // a system property: counted below
                }

                properties++;
                var valueBytes = ValueBytes(property.Value, types.GetValueOrDefault(name));
                if (valueBytes > MaxPropertyBytes)
                {
                    return ("PropertyValueTooLarge", $"The property value exceeds the maximum allowed size (64KB). Property '{name}': {valueBytes} bytes.");
                }

                size += 8 + (name.Length * 2) + valueBytes + (property.Value.ValueKind == JsonValueKind.String ? 4 : 0);
            }
        }

        foreach (var (name, key) in new[] { ("PartitionKey", partitionKey), ("RowKey", rowKey) })
        {
            if (key is null)
            {
                continue;
            }

            if (key.Length * 2 > MaxKeyBytes)
            {
                return ("KeyValueTooLarge", $"The {name} exceeds the maximum allowed size (1KB): {key.Length} UTF-16 characters.");
            }

            if (key.Any(c => c is '/' or '\\' or '#' or '?' || c <= '\u001F' || c is >= '\u007F' and <= '\u009F'))
            {
                return ("OutOfRangeInput", $"One of the request inputs is out of range: the {name} contains a character Table keys may not hold.");
            }

            size += key.Length * 2;
        }

        if (properties + 3 > MaxProperties)
        {
            return ("TooManyProperties", $"The entity contains more properties than allowed: {properties} + 3 system properties > {MaxProperties}.");
        }

        if (size > MaxEntityBytes)
        {
            return ("EntityTooLarge", $"The entity is larger than the maximum size permitted: {size} bytes.");
        }

        return null;
    }

    /// <summary>The stored size of a value (Learn's formula, without the 4-byte length of strings and binaries).</summary>
    private static long ValueBytes(JsonElement value, string? type) => type switch
    {
        "Edm.Binary" => value.GetString() is { } b ? Convert.FromBase64String(b).Length : 0,
        "Edm.Guid" => 16,
        "Edm.Int64" or "Edm.DateTime" => 8,
        _ => value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!.Length * 2L,
            JsonValueKind.True or JsonValueKind.False => 1,
            JsonValueKind.Number => value.TryGetInt32(out _) ? 4 : 8,
            _ => 0,
        },
    };

    [GeneratedRegex(@"PartitionKey='(?<pk>(?:[^']|'')*)',RowKey='(?<rk>(?:[^']|'')*)'")]
    private static partial Regex UrlKeys();

    // A batch operation: "METHOD absolute-url HTTP/1.1", its headers, and its JSON body up to the next boundary line.
    [GeneratedRegex(@"^(?<method>POST|PUT|PATCH|MERGE|DELETE) (?<url>\S+) HTTP/1\.1\r?\n(?:[^\r\n]+\r?\n)*\r?\n(?<json>\{.*?\})?\s*(?=^--)", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex BatchOperation();

    /// <summary>A 400 with Azure's error code, as the service answers it (a batch: 202, the failed operation inside).</summary>
    private sealed class Refusal : Response
    {
        private const string JsonType = "application/json;odata=minimalmetadata;streaming=true;charset=utf-8";
        private readonly Dictionary<string, string> _headers;
        private readonly int _status;

        public Refusal(string code, string message)
            : this(400, JsonType, ErrorBody(code, message), code)
        {
        }

        private Refusal(int status, string contentType, byte[] body, string? code)
        {
            _status = status;
            ContentStream = new MemoryStream(body);
            _headers = new(StringComparer.OrdinalIgnoreCase)
            {
                ["Content-Type"] = contentType,
                ["Content-Length"] = body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            if (code is not null)
            {
                _headers["x-ms-error-code"] = code;
            }
        }

        /// <summary>Azure's answer to a batch with a refused operation: 202, one changeset response holding the 400 ("index:message").</summary>
        public static Refusal InBatch(string code, string message, int index)
        {
            var batch = "batchresponse_" + Guid.NewGuid().ToString("D");
            var changeset = "changesetresponse_" + Guid.NewGuid().ToString("D");
            var error = Encoding.UTF8.GetString(ErrorBody(code, $"{index}:{message}"));
            var text = $"--{batch}\r\nContent-Type: multipart/mixed; boundary={changeset}\r\n\r\n"
                + $"--{changeset}\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n"
                + $"HTTP/1.1 400 Bad Request\r\nX-Content-Type-Options: nosniff\r\nCache-Control: no-cache\r\nDataServiceVersion: 3.0;\r\nContent-Type: {JsonType}\r\n\r\n"
                + $"{error}\r\n--{changeset}--\r\n--{batch}--\r\n";
            return new Refusal(202, $"multipart/mixed; boundary={batch}", Encoding.UTF8.GetBytes(text), null);
        }

        // Azure's OData error, and the same code as "error" too: the SDK reads the first where it builds the exception with the
        // Tables parser, the second where it uses Azure.Core's default one (which the pipeline sets only on responses it received).
        private static byte[] ErrorBody(string code, string message)
        {
            var text = message + " (refused by the tests' AzureTableLimits policy)";
            return JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
            {
                ["odata.error"] = new Dictionary<string, object>
                {
                    ["code"] = code,
                    ["message"] = new Dictionary<string, string> { ["lang"] = "en-US", ["value"] = text },
                },
                ["error"] = new Dictionary<string, string> { ["code"] = code, ["message"] = text },
            });
        }

        public override int Status => _status;

        public override string ReasonPhrase => _status == 202 ? "Accepted" : "Bad Request";

        public override Stream? ContentStream { get; set; }

        public override string ClientRequestId { get; set; } = "";

        public override void Dispose() => ContentStream?.Dispose();

        protected override bool ContainsHeader(string name) => _headers.ContainsKey(name);

        protected override IEnumerable<HttpHeader> EnumerateHeaders() => _headers.Select(h => new HttpHeader(h.Key, h.Value));

        protected override bool TryGetHeader(string name, out string value) => _headers.TryGetValue(name, out value!);

        protected override bool TryGetHeaderValues(string name, out IEnumerable<string> values)
        {
            var found = _headers.TryGetValue(name, out var value);
            values = found ? [value!] : [];
            return found;
        }
    }
}
