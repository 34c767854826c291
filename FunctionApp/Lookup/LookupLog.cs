namespace FrontFunctions.Lookup;

/// <summary>
/// The lookup API's log lines, source-generated, in one place (EventIds 3001–3099). None today: its one line, storage
/// unavailable, is now the HTTP edge's (Http/HttpLog.cs), written once for every HTTP function.
/// </summary>
internal static partial class LookupLog;
