using System.Security.Cryptography;
using System.Text.Json;
using FrontSimulator.Control;

namespace FrontFunctions.Demo;

/// <summary>What every step of the demo shares: settings, clients, the channel, and what was imported so far.</summary>
internal sealed class DemoContext : IDisposable
{
    private DemoContext(string appUid, string secret, string functionKey, Uri app, Uri front, Uri partner)
    {
        Partner = partner;
        AppUid = appUid;
        Secret = secret;
        FunctionKey = functionKey;
        App = app;
        Front = new SimulatorControl(front);
    }

    public string AppUid { get; }
    public string Secret { get; }
    public string FunctionKey { get; }

    /// <summary>The local host (<c>DEMO_APP_URL</c>, default http://127.0.0.1:7071/).</summary>
    public Uri App { get; }

    /// <summary>The Front simulator's control API.</summary>
    public SimulatorControl Front { get; }

    /// <summary>The partner receiver run-local.sh starts (<c>DEMO_PARTNER_URL</c>, default <see cref="DefaultPartnerUrl"/>).</summary>
    public Uri Partner { get; }

    /// <summary>Where run-local.sh starts tools/PartnerReceiver (a test keeps the two equal).</summary>
    public const string DefaultPartnerUrl = "http://127.0.0.1:7073/";

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public string ChannelId { get; } = "cha_demo" + RandomNumberGenerator.GetHexString(6, lowercase: true);

    /// <summary>The webhook URL the app answered to <c>authorization</c>.</summary>
    public string? WebhookUrl { get; set; }

    /// <summary>Each imported message: external id, external conversation id, Front's message_uid.</summary>
    public List<(string ExternalId, string Thread, string MessageUid)> Imported { get; } = [];

    /// <summary>Front's conversation id of each imported thread (external conversation id → <c>cnv_…</c>), once mapped.</summary>
    public Dictionary<string, string> Conversations { get; } = new(StringComparer.Ordinal);

    public static DemoContext FromLocalSettings(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var settings = document.RootElement.GetProperty("Values").EnumerateObject()
            .Where(p => p.Value.ValueKind == JsonValueKind.String && p.Value.GetString()!.Length > 0)
            .ToDictionary(p => p.Name, p => p.Value.GetString()!);
        return new DemoContext(
            settings.GetValueOrDefault("Front__AppUid") ?? throw new InvalidOperationException("Front__AppUid is not set in local.settings.json."),
            settings.GetValueOrDefault("Front__AppSecret") ?? throw new InvalidOperationException("Front__AppSecret is not set in local.settings.json."),
            settings.GetValueOrDefault("LocalHost__FunctionKey") ?? "",
            new Uri(Environment.GetEnvironmentVariable("DEMO_APP_URL") ?? "http://127.0.0.1:7071/"),
            new Uri(Environment.GetEnvironmentVariable("DEMO_FRONT_URL") ?? settings.GetValueOrDefault("Front__ApiBaseUrl") ?? "http://127.0.0.1:7072/"),
            new Uri(Environment.GetEnvironmentVariable("DEMO_PARTNER_URL") ?? DefaultPartnerUrl));
    }

    /// <summary>A request to the app's function-key API.</summary>
    public HttpRequestMessage AppRequest(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, new Uri(App, path));
        request.Headers.Add("x-functions-key", FunctionKey);
        return request;
    }

    public void Dispose()
    {
        Http.Dispose();
        Front.Dispose();
    }
}

/// <summary>A step could not complete; the message says what to check.</summary>
internal sealed class DemoFailedException(string message) : Exception(message);
