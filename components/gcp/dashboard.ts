// One Cloud Monitoring dashboard per stack: the same rows as the AWS one
// (requests, errors, latency percentiles, instances, CPU and memory, database
// and cache), built from the service's own metrics.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

export interface DashboardArgs {
    readonly project: string;
    /** The enabled project APIs; the dashboard waits for them. */
    readonly apis: pulumi.Resource;
    /** The Cloud Run service's name. */
    readonly serviceName: string;
    /** The Cloud SQL instance's name. @default none (no database row) */
    readonly databaseInstance?: pulumi.Input<string>;
    /** The Memorystore instance's ID. @default none (no cache row) */
    readonly cacheInstanceId?: pulumi.Input<string>;
}

interface Series {
    readonly filter: pulumi.Input<string>;
    readonly aligner: string;
    readonly reducer?: string;
    readonly groupBy?: readonly string[];
    readonly legend?: string;
}

export class Dashboard extends pulumi.ComponentResource {
    /** Console link to the dashboard. */
    readonly url: pulumi.Output<string>;

    constructor(name: string, args: DashboardArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:gcp:Dashboard", name, {}, opts);
        const run = `resource.type = "cloud_run_revision" AND resource.labels.service_name = "${args.serviceName}"`;
        const metric = (type: string, scope: pulumi.Input<string> = run) => pulumi.interpolate`metric.type = "${type}" AND ${scope}`;

        const chart = (title: string, series: Series[]) => ({
            title,
            xyChart: {
                dataSets: series.map((s) => ({
                    plotType: "LINE",
                    ...(s.legend ? { legendTemplate: s.legend } : {}),
                    timeSeriesQuery: {
                        timeSeriesFilter: {
                            filter: s.filter,
                            aggregation: {
                                alignmentPeriod: "60s",
                                perSeriesAligner: s.aligner,
                                ...(s.reducer ? { crossSeriesReducer: s.reducer } : {}),
                                ...(s.groupBy ? { groupByFields: s.groupBy } : {}),
                            },
                        },
                    },
                })),
            },
        });
        const latencies = (["50", "95", "99"] as const).map((p) => ({
            filter: metric("run.googleapis.com/request_latencies"),
            aligner: "ALIGN_DELTA",
            reducer: `REDUCE_PERCENTILE_${p}`,
            legend: `p${p} (ms)`,
        }));
        const charts = [
            chart("Requests per second by response class", [{ filter: metric("run.googleapis.com/request_count"), aligner: "ALIGN_RATE", reducer: "REDUCE_SUM", groupBy: ["metric.label.response_code_class"] }]),
            chart("5xx per second", [{ filter: pulumi.interpolate`${metric("run.googleapis.com/request_count")} AND metric.labels.response_code_class = "5xx"`, aligner: "ALIGN_RATE", reducer: "REDUCE_SUM" }]),
            chart("Latency percentiles", latencies),
            chart("Instances", [{ filter: metric("run.googleapis.com/container/instance_count"), aligner: "ALIGN_MAX", reducer: "REDUCE_SUM", groupBy: ["metric.label.state"] }]),
            chart("CPU and memory utilisation (p95 of instances)", [
                { filter: metric("run.googleapis.com/container/cpu/utilizations"), aligner: "ALIGN_DELTA", reducer: "REDUCE_PERCENTILE_95", legend: "CPU" },
                { filter: metric("run.googleapis.com/container/memory/utilizations"), aligner: "ALIGN_DELTA", reducer: "REDUCE_PERCENTILE_95", legend: "memory" },
            ]),
        ];
        if (args.databaseInstance !== undefined) {
            const sql = pulumi.interpolate`resource.type = "cloudsql_database" AND resource.labels.database_id = "${args.project}:${args.databaseInstance}"`;
            charts.push(
                chart("Cloud SQL CPU and disk utilisation", [
                    { filter: metric("cloudsql.googleapis.com/database/cpu/utilization", sql), aligner: "ALIGN_MEAN", legend: "CPU" },
                    { filter: metric("cloudsql.googleapis.com/database/disk/utilization", sql), aligner: "ALIGN_MAX", legend: "disk" },
                ]),
                chart("Cloud SQL connections", [{ filter: metric("cloudsql.googleapis.com/database/postgresql/num_backends", sql), aligner: "ALIGN_MAX", reducer: "REDUCE_SUM" }]),
            );
        }
        if (args.cacheInstanceId !== undefined) {
            const redis = pulumi.interpolate`resource.type = "redis_instance" AND resource.labels.instance_id = "${args.cacheInstanceId}"`;
            charts.push(
                chart("Memorystore memory usage ratio", [{ filter: metric("redis.googleapis.com/stats/memory/usage_ratio", redis), aligner: "ALIGN_MAX" }]),
                chart("Memorystore evicted keys", [{ filter: metric("redis.googleapis.com/stats/evicted_keys", redis), aligner: "ALIGN_RATE" }]),
            );
        }

        // Two charts per row, each half of the 48-column grid.
        const tiles = charts.map((widget, i) => ({ xPos: (i % 2) * 24, yPos: Math.floor(i / 2) * 16, width: 24, height: 16, widget }));
        const dashboard = new gcp.monitoring.Dashboard(
            `${name}-dashboard`,
            {
                project: args.project,
                dashboardJson: pulumi.jsonStringify({ displayName: `${pulumi.getProject()}/${pulumi.getStack()}`, mosaicLayout: { columns: 48, tiles } }),
            },
            { parent: this, dependsOn: [args.apis] },
        );
        // The resource ID is projects/<number>/dashboards/<id>; the console wants the last part.
        this.url = pulumi.interpolate`https://console.cloud.google.com/monitoring/dashboards/builder/${dashboard.id.apply((id) => id.split("/").pop())}?project=${args.project}`;
        this.registerOutputs({ url: this.url });
    }
}
