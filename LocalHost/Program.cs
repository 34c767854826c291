using FrontFunctions.LocalHost;

var app = LocalFunctionsHost.Build(args);
app.Lifetime.ApplicationStarted.Register(() =>
{
    foreach (var url in app.Urls)
    {
        Console.WriteLine($"FrontFunctions local host: POST {url}/api/front/channels  (Front app webhook)");
        Console.WriteLine($"FrontFunctions local host: POST|DELETE {url}/api/front/channels/{{channelId}}  (channel webhook)");
    }
});
app.Run();
