using FrontFunctions.LocalHost;

var app = LocalFunctionsHost.Build(args);
app.Lifetime.ApplicationStarted.Register(() =>
{
    // What is served, from the same declaration the host serves it from.
    foreach (var url in app.Urls)
    {
        Console.WriteLine($"FrontFunctions local host on {url}:");
        foreach (var line in app.Services.GetRequiredService<ServedFunctions>().All.Select(f => Describe(f, url)))
        {
            Console.WriteLine("  " + line);
        }
    }
});
app.Run();

string Describe(DeclaredFunction function, string url) => function switch
{
    { Http: not null } => $"{function.Name,-22} {(function.HttpMethods.Count == 0 ? "any method" : string.Join("|", function.HttpMethods))} " +
        $"{url}/{HttpFunctionEndpoints.RoutePrefix}/{function.Route}{(function.RequiresKey ? "  (function key)" : "")}",
    { Queue: not null } => $"{function.Name,-22} queue {function.Queue.QueueName}" +
        (app.Configuration.GetValue("LocalHost:RunQueueListener", true) ? "" : "  (listener off: LocalHost__RunQueueListener=false)"),
    _ => $"{function.Name,-22} not served locally (the local host serves HTTP and queue triggers)",
};
