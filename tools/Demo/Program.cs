// The demo: with `bash scripts/run-local.sh` running, `bash scripts/demo.sh` shows the loop end to end. Each step is one
// method of DemoSteps, run in order below against one DemoContext; a new part of the demo is one more step at the end.
// 1. Front "authorizes" a channel: a signed authorization request to the local host, which answers the channel's webhook URL.
// 2. The channel is created in the Front simulator with that webhook URL.
// 3. The partner system imports three conversations through the app's import API (which calls Front's sync endpoint).
// 4. The simulator notifies the local host (message_imported); the queue function maps each message and marks its import
//    imported. The demo waits for that and prints the map, with each import's status, as the lookup API answers it.
// 5. The Front API requests the app made, and a command to look one up yourself.
// 6. A teammate replies in Front (and another starts a conversation): the simulator sends each to the app as a signed
//    `message`, the app answers its external ids and queues it, the delivery function POSTs it signed to the partner
//    receiver that run-local.sh started, which verifies the signature; the demo prints what the partner received.
// 7. The partner API: the partner reads the conversation by its own id, lists its messages, marks the teammate's reply seen
//    and archives the conversation; each printed with what the simulator now shows (PartnerApiSteps).
// 8-9. Attachments (AttachmentSteps): a multipart import with a file, and a teammate's file streamed through the app.
using FrontFunctions.Demo;

var context = DemoContext.FromLocalSettings("local.settings.json");
try
{
    await DemoSteps.AuthorizeChannelAsync(context);
    await DemoSteps.CreateChannelInFrontAsync(context);
    await DemoSteps.ImportThroughTheAppAsync(context);
    await DemoSteps.PrintTheMapAsync(context);
    await DemoSteps.PrintCountersAsync(context);
    await DemoSteps.ReplyFromFrontAsync(context);
    await PartnerApiSteps.UseThePartnerApiAsync(context);

    // Attachments both ways (issue 21): 8. a message imported with a file; 9. a teammate's file downloaded through the app.
    await AttachmentSteps.ImportWithAttachmentAsync(context);
    await AttachmentSteps.DownloadReplyAttachmentAsync(context);
    return 0;
}
catch (DemoFailedException e)
{
    Console.Error.WriteLine(e.Message);
    return 1;
}
finally
{
    context.Dispose();
}
