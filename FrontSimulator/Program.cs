// Front simulator: `dotnet run --project FrontSimulator -- --urls http://127.0.0.1:7072` (see README.md).
return await FrontSimulator.FrontSimulatorServer.RunAsync(args);
