using System.Reflection;
using NetArchTest.Rules;

namespace FrontFunctions.Tests.Unit.Architecture;

/// <summary>
/// The rooms of FunctionApp (its top-level namespaces) depend one way, as docs/architecture.md draws them: each room may use
/// only the rooms listed for it here, and the graph has no cycle. Dependencies are read from the compiled IL (NetArchTest),
/// so a fully qualified name or a <c>using</c> counts alike.
/// </summary>
public sealed class RoomDependencyTests
{
    /// <summary>Room → the rooms it may depend on (docs/architecture.md, "Which way the rooms depend").</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Allowed = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        ["Functions"] = ["Webhooks", "OperatorConsole", "PartnerApi", "Lookup", "Enrichment", "Outbound", "Imports", "Attachments", "Failures", "Ingest", "IdMap", "Channels", "Front", "Caching", "Storage", "Telemetry", "Http"],
        ["Webhooks"] = ["Outbound", "Ingest", "Channels", "Front", "Storage", "Telemetry", "Http"],
        ["OperatorConsole"] = ["Outbound", "Imports", "Failures", "IdMap", "Channels", "Front", "Storage", "Telemetry", "Http"],
        ["PartnerApi"] = ["IdMap", "Channels", "Front", "Caching", "Storage", "Telemetry", "Http"],
        ["Lookup"] = ["Imports", "IdMap", "Front", "Caching", "Storage", "Telemetry", "Http"],
        ["Enrichment"] = ["Imports", "Failures", "Ingest", "IdMap", "Channels", "Front", "Caching", "Storage", "Telemetry", "Http"],
        ["Outbound"] = ["Attachments", "Failures", "IdMap", "Channels", "Front", "Caching", "Storage", "Telemetry", "Http"],
        ["Imports"] = ["Failures", "IdMap", "Channels", "Front", "Storage", "Telemetry", "Http"],
        ["Attachments"] = ["IdMap", "Channels", "Front", "Storage", "Telemetry", "Http"],
        ["Failures"] = ["IdMap", "Front", "Storage", "Telemetry"],
        ["Ingest"] = ["Front", "Storage", "Telemetry"],
        ["IdMap"] = ["Channels", "Front", "Caching", "Storage", "Telemetry"],
        ["Channels"] = ["Front", "Caching", "Storage", "Telemetry"],
        ["Front"] = ["Caching", "Storage", "Telemetry", "Http"],
        ["Telemetry"] = ["Storage"],
        ["Http"] = ["Storage", "Telemetry"],
        ["Storage"] = [],
        ["Caching"] = [],
    };

    private static readonly Assembly App = typeof(FrontFunctionsServices).Assembly;

    private static IReadOnlyList<string> Rooms() =>
        App.GetTypes().Select(t => t.Namespace).OfType<string>()
            .Where(n => n.StartsWith("FrontFunctions.", StringComparison.Ordinal))
            .Select(n => n.Split('.')[1]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    private static HashSet<string> DependenciesOf(string room, IEnumerable<string> rooms) =>
        rooms.Where(other => other != room && !Types.InAssembly(App).That().ResideInNamespace($"FrontFunctions.{room}")
                .Should().NotHaveDependencyOnAny($"FrontFunctions.{other}").GetResult().IsSuccessful)
            .ToHashSet(StringComparer.Ordinal);

    [Fact]
    public void Every_room_is_drawn()
    {
        Assert.Equal(Allowed.Keys.Order(StringComparer.Ordinal), Rooms());
    }

    [Fact]
    public void Each_room_depends_only_on_the_rooms_below_it()
    {
        var rooms = Rooms();
        var wrong = rooms.SelectMany(room => DependenciesOf(room, rooms)
                .Where(dependency => !Allowed.GetValueOrDefault(room, []).Contains(dependency))
                .Select(dependency => $"{room} → {dependency}"))
            .ToList();

        Assert.True(wrong.Count == 0, "Dependencies that docs/architecture.md does not draw: " + string.Join(", ", wrong));
    }

    [Fact]
    public void The_drawn_rooms_have_no_cycle()
    {
        var visiting = new HashSet<string>(StringComparer.Ordinal);
        var done = new HashSet<string>(StringComparer.Ordinal);
        void Visit(string room, List<string> path)
        {
            if (done.Contains(room))
            {
                return;
            }

            Assert.True(visiting.Add(room), "A cycle: " + string.Join(" → ", path.Append(room)));
            foreach (var next in Allowed[room])
            {
                Visit(next, [.. path, room]);
            }

            visiting.Remove(room);
            done.Add(room);
        }

        foreach (var room in Allowed.Keys)
        {
            Visit(room, []);
        }
    }
}
