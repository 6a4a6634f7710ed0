using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace EscalationHub.Messaging;

public static class Telemetry
{
    /// <summary>OpenTelemetry for the hub and every adapter: MassTransit's spans (linked across processes through
    /// message headers) and metrics, exported over OTLP when Telemetry:OtlpEndpoint is set; and log lines that
    /// carry the trace and span ids, so a log line leads to its trace.</summary>
    public static IHostApplicationBuilder AddEscalationHubTelemetry(this IHostApplicationBuilder builder, string serviceName)
    {
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        // HttpClient's request lines (the broker management scans every few seconds) say nothing an operator needs.
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        var formatter = builder.Configuration["Logging:Console:FormatterName"];
        if (formatter is null or "" or "simple")
            builder.Logging.AddSimpleConsole(o =>
            {
                o.IncludeScopes = true;
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
                o.UseUtcTimestamp = true;
            });
        else if (formatter == "json")
            // Lines an operator can line up across processes: UTC, ISO 8601, to the millisecond.
            builder.Logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.UseUtcTimestamp = true;
            });

        var otlp = builder.Configuration["Telemetry:OtlpEndpoint"];
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName))
            .WithTracing(t =>
            {
                t.AddSource("MassTransit");
                if (!string.IsNullOrWhiteSpace(otlp)) t.AddOtlpExporter(o => o.Endpoint = new Uri(otlp));
            })
            .WithMetrics(m =>
            {
                m.AddMeter("MassTransit");
                m.AddMeter("EscalationHub.Adapters.Mllp"); // the health adapter's MLLP refusals (MllpListener.MeterName)
                if (!string.IsNullOrWhiteSpace(otlp)) m.AddOtlpExporter(o => o.Endpoint = new Uri(otlp));
            });
        return builder;
    }
}
