using FrontFunctions.LocalHost;

var app = LocalFunctionsHost.Build(args);
app.Lifetime.ApplicationStarted.Register(() =>
{
    foreach (var url in app.Urls)
    {
        Console.WriteLine($"FrontFunctions local host: POST {url}/api/front/channels  (Front app webhook)");
        Console.WriteLine($"FrontFunctions local host: POST|DELETE {url}/api/front/channels/{{channelId}}  (channel webhook)");
        Console.WriteLine($"FrontFunctions local host: GET {url}/api/map/{{channelId}}/messages?external_id=…|front_id=msg_…  (lookup, x-functions-key)");
        Console.WriteLine($"FrontFunctions local host: GET {url}/api/map/{{channelId}}/conversations?external_id=…|front_id=cnv_…  (lookup, x-functions-key)");
        Console.WriteLine($"FrontFunctions local host: queue listener on {FrontFunctions.Storage.StorageNames.IngestQueue}");
    }
});
app.Run();
