using System.Globalization;
using System.Text.RegularExpressions;

namespace FrontFunctions.Tests.Infrastructure;

/// <summary>One scrape of a Prometheus text endpoint (<c>GET /metrics</c>), parsed into series.</summary>
public sealed partial class PrometheusScrape
{
    private PrometheusScrape(string text, IReadOnlyList<(string Name, IReadOnlyDictionary<string, string> Labels, double Value)> series)
    {
        Text = text;
        Series = series;
    }

    public string Text { get; }

    public IReadOnlyList<(string Name, IReadOnlyDictionary<string, string> Labels, double Value)> Series { get; }

    public static async Task<PrometheusScrape> GetAsync(HttpClient http)
    {
        using var response = await http.GetAsync("metrics");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET /metrics answered {(int)response.StatusCode}: {text}");
        return Parse(text);
    }

    public static PrometheusScrape Parse(string text)
    {
        var series = new List<(string, IReadOnlyDictionary<string, string>, double)>();
        foreach (var line in text.Split('\n'))
        {
            var match = SeriesLine().Match(line.Trim());
            if (!match.Success)
            {
                continue;
            }

            var labels = LabelPair().Matches(match.Groups["labels"].Value)
                .ToDictionary(m => m.Groups["key"].Value, m => m.Groups["value"].Value, StringComparer.Ordinal);
            var value = match.Groups["value"].Value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                var v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            series.Add((match.Groups["name"].Value, labels, value));
        }

        return new PrometheusScrape(text, series);
    }

    /// <summary>The sum of the series named <paramref name="name"/> whose labels include all of <paramref name="labels"/> (0 when none).</summary>
    public double Sum(string name, params (string Key, string Value)[] labels) =>
        Series.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value)).Sum(s => s.Value);

    /// <summary>The lines of the series whose name starts with <paramref name="prefix"/> (for messages and the README sample).</summary>
    public string Lines(string prefix) =>
        string.Join('\n', Text.Split('\n').Where(l => l.StartsWith(prefix, StringComparison.Ordinal)));

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)(\s+\d+)?$")]
    private static partial Regex SeriesLine();

    [GeneratedRegex(@"(?<key>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<value>(\\.|[^""\\])*)""")]
    private static partial Regex LabelPair();
}
