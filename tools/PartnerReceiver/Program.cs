// A tiny partner system for the local run: `bash scripts/run-local.sh` starts it on http://127.0.0.1:7073 and points the local
// host's Partner__OutboundUrl at its /events. It verifies each delivery's Standard Webhooks signature with
// Partner__SigningSecret (the whsec_… secret the host signs with, from the environment), de-duplicates on webhook-id, prints
// one line per event, and lists what it received at GET /events (the demo polls it).
//   Partner__SigningSecret=whsec_… dotnet run --project tools/PartnerReceiver -- --urls http://127.0.0.1:7073
using FrontFunctions.PartnerDemo;

var secret = Environment.GetEnvironmentVariable("Partner__SigningSecret");
if (string.IsNullOrEmpty(secret))
{
    Console.Error.WriteLine("Partner__SigningSecret is not set: the receiver needs the whsec_… secret the app signs with.");
    return 1;
}

var app = VerifyingReceiver.Build(args, secret, Console.Out);
await app.RunAsync();
return 0;
