using ScottPlot;

namespace FrontFunctions.Benchmarks;

/// <summary>The soak run's picture (ScottPlot 5): the host's RSS on the left axis, the queues' backlog on the right, over minutes.</summary>
public static class SoakPlot
{
    public static void Write(IReadOnlyList<SoakRun.Sample> samples, string path, string title)
    {
        var minutes = samples.Select(s => s.Minutes).ToArray();
        var plot = new Plot();
        plot.Title(title);
        var rss = plot.Add.Scatter(minutes, samples.Select(s => s.RssMb).ToArray());
        rss.LegendText = "host RSS (MB)";
        rss.MarkerSize = 0;
        var backlog = plot.Add.Scatter(minutes, samples.Select(s => (double)(s.IngestBacklog + s.OutboundBacklog)).ToArray());
        backlog.LegendText = "backlog: front-ingest + front-outbound (messages)";
        backlog.MarkerSize = 0;
        backlog.Axes.YAxis = plot.Axes.Right;
        var sockets = plot.Add.Scatter(minutes, samples.Select(s => (double)s.Sockets).ToArray());
        sockets.LegendText = "open sockets";
        sockets.MarkerSize = 0;
        sockets.Axes.YAxis = plot.Axes.Right;
        var threads = plot.Add.Scatter(minutes, samples.Select(s => (double)s.Threads).ToArray());
        threads.LegendText = "threads";
        threads.MarkerSize = 0;
        threads.Axes.YAxis = plot.Axes.Right;
        plot.Axes.Bottom.Label.Text = "minutes";
        plot.Axes.Left.Label.Text = "RSS (MB)";
        plot.Axes.Right.Label.Text = "messages / sockets / threads";
        plot.Axes.SetLimitsY(0, Math.Max(1, samples.Max(s => s.RssMb)) * 1.15, plot.Axes.Left);
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, 1200, 600);
    }
}
