using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using FrontFunctions.Outbound;
using FrontFunctions.Storage;
using FrontSimulator;
using FrontSimulator.Control;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace FrontFunctions.Benchmarks;

/// <summary>When the simulator's count of 2xx webhook answers last grew (polled every 500 ms).</summary>
internal sealed class LastDeliveryWatch(SimulatorControl control)
{
    public DateTimeOffset? Last { get; private set; }

    public async Task RunAsync(CancellationToken ct)
    {
        long seen = -1;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var delivered = (await control.GetCountersAsync(ct)).Notifications.Delivered;
                if (delivered != seen)
                {
                    seen = delivered;
                    Last = DateTimeOffset.UtcNow;
                }

                await Task.Delay(500, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
