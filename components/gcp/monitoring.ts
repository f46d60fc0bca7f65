// What pages someone on Google Cloud: the same alerts as the AWS alarms, as
// Cloud Monitoring alert policies, sent to the `alarmEmail` channel when one is
// set. Without a channel the policies still open incidents in the console.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { ALERT_THRESHOLDS } from "../alertThresholds";

export interface MonitoringArgs {
    readonly project: string;
    /** The enabled project APIs (Cloud Monitoring among them); every resource here waits for them. */
    readonly apis: pulumi.Resource;
    /** The Cloud Run service's name (the `service_name` label of its metrics). */
    readonly serviceName: string;
    /** The service's `maxInstances`: running at it for 15 minutes pages. */
    readonly maxInstances: number;
    /** p95 request latency, milliseconds, above which the latency policy fires (the `latencyThresholdMs` setting). */
    readonly latencyThresholdMs: number;
    /** Host an uptime check probes `/healthz` on over HTTPS. @default none (no uptime check: the service is not reachable from the internet) */
    readonly uptimeHost?: pulumi.Input<string>;
    /** The Cloud SQL instance's name. @default none (no database policies) */
    readonly databaseInstance?: pulumi.Input<string>;
    /** The Memorystore instance's ID (`projects/.../locations/.../instances/...`). @default none (no cache policy) */
    readonly cacheInstanceId?: pulumi.Input<string>;
    /** Address emailed when a policy opens or closes an incident. @default none */
    readonly email?: string;
}

/** One metric-threshold condition, in the Monitoring API's terms. */
interface Threshold {
    readonly filter: pulumi.Input<string>;
    readonly aligner: string;
    readonly reducer?: string;
    readonly comparison: "COMPARISON_GT" | "COMPARISON_LT" | "COMPARISON_GE";
    readonly threshold: number;
    /** How long the condition must hold. */
    readonly seconds: number;
    /** A ratio: this filter's series divides the one above. */
    readonly denominatorFilter?: pulumi.Input<string>;
}

export class Monitoring extends pulumi.ComponentResource {
    /** Notification channel names (`projects/.../notificationChannels/...`); empty without `email`. */
    readonly notificationChannels: pulumi.Output<string>[];
    /** Alert policy names, by role. */
    readonly policies: Record<string, pulumi.Output<string>>;

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:gcp:Monitoring", name, {}, opts);
        const waitForApis = { parent: this, dependsOn: [args.apis] };
        const stackLabel = `${pulumi.getProject()}/${pulumi.getStack()}`;

        this.notificationChannels = args.email
            ? [
                  new gcp.monitoring.NotificationChannel(
                      `${name}-email`,
                      { project: args.project, type: "email", displayName: `Alerts for ${stackLabel}`, labels: { email_address: args.email } },
                      waitForApis,
                  ).name,
              ]
            : [];

        const policy = (role: string, title: string, why: string, c: Threshold): pulumi.Output<string> =>
            new gcp.monitoring.AlertPolicy(
                `${name}-${role}`,
                {
                    project: args.project,
                    displayName: `${stackLabel}: ${title}`,
                    combiner: "OR",
                    conditions: [
                        {
                            displayName: title,
                            conditionThreshold: {
                                filter: c.filter,
                                aggregations: [{ alignmentPeriod: "60s", perSeriesAligner: c.aligner, ...(c.reducer ? { crossSeriesReducer: c.reducer } : {}) }],
                                ...(c.denominatorFilter
                                    ? { denominatorFilter: c.denominatorFilter, denominatorAggregations: [{ alignmentPeriod: "60s", perSeriesAligner: c.aligner, crossSeriesReducer: c.reducer }] }
                                    : {}),
                                comparison: c.comparison,
                                thresholdValue: c.threshold,
                                duration: `${c.seconds}s`,
                                trigger: { count: 1 },
                            },
                        },
                    ],
                    notificationChannels: this.notificationChannels,
                    documentation: { mimeType: "text/markdown", content: why },
                    alertStrategy: { autoClose: "1800s" },
                },
                waitForApis,
            ).name;

        const run = `resource.type = "cloud_run_revision" AND resource.labels.service_name = "${args.serviceName}"`;
        const requests = `metric.type = "run.googleapis.com/request_count" AND ${run}`;
        const sustained = ALERT_THRESHOLDS.sustainedMinutes * 60;
        const errorRate = ALERT_THRESHOLDS.errorRatePercent;
        this.policies = {
            errorRate: policy("5xx-ratio", `5xx above ${errorRate}% of requests`, `More than ${errorRate}% of requests to Cloud Run service ${args.serviceName} answered 5xx for 3 minutes. Check the service's logs and its latest revision; roll traffic back to the previous revision if a deploy caused it.`, {
                filter: `${requests} AND metric.labels.response_code_class = "5xx"`,
                denominatorFilter: requests,
                aligner: "ALIGN_RATE",
                reducer: "REDUCE_SUM",
                comparison: "COMPARISON_GT",
                threshold: errorRate / 100,
                seconds: 180,
            }),
            latency: policy("p95-latency", `p95 latency above ${args.latencyThresholdMs} ms`, `The 95th percentile of request latency stayed above ${args.latencyThresholdMs} ms (latencyThresholdMs) for 5 minutes.`, {
                filter: `metric.type = "run.googleapis.com/request_latencies" AND ${run}`,
                aligner: "ALIGN_DELTA",
                reducer: "REDUCE_PERCENTILE_95",
                comparison: "COMPARISON_GT",
                threshold: args.latencyThresholdMs,
                seconds: 300,
            }),
            atMaxInstances: policy("max-instances", `at maxInstances (${args.maxInstances}) for 15 minutes`, `The service has run ${args.maxInstances} instances (maxInstances) for 15 minutes: requests beyond that queue or fail. Raise maxInstances or concurrency if the load is real.`, {
                filter: `metric.type = "run.googleapis.com/container/instance_count" AND ${run}`,
                aligner: "ALIGN_MAX",
                reducer: "REDUCE_SUM",
                comparison: "COMPARISON_GE",
                threshold: args.maxInstances,
                seconds: sustained,
            }),
        };

        if (args.databaseInstance !== undefined) {
            const sql = pulumi.interpolate`resource.type = "cloudsql_database" AND resource.labels.database_id = "${args.project}:${args.databaseInstance}"`;
            const cpu = ALERT_THRESHOLDS.databaseCpuPercent;
            const disk = ALERT_THRESHOLDS.databaseStorageUsedPercent;
            this.policies.databaseCpu = policy("db-cpu", `Cloud SQL CPU above ${cpu}%`, `Cloud SQL CPU above ${cpu}% for 15 minutes: a larger dbInstance tier, or fewer or cheaper queries.`, {
                filter: pulumi.interpolate`metric.type = "cloudsql.googleapis.com/database/cpu/utilization" AND ${sql}`,
                aligner: "ALIGN_MEAN",
                comparison: "COMPARISON_GT",
                threshold: cpu / 100,
                seconds: sustained,
            });
            this.policies.databaseDisk = policy("db-disk", `Cloud SQL disk above ${disk}% used`, `Cloud SQL disk above ${disk}% used for 15 minutes. The disk grows automatically, but only so fast; raise dbStorageGb if growth is steady.`, {
                filter: pulumi.interpolate`metric.type = "cloudsql.googleapis.com/database/disk/utilization" AND ${sql}`,
                aligner: "ALIGN_MAX",
                comparison: "COMPARISON_GT",
                threshold: disk / 100,
                seconds: sustained,
            });
        }

        if (args.cacheInstanceId !== undefined) {
            const memory = ALERT_THRESHOLDS.cacheMemoryPercent;
            this.policies.cacheMemory = policy("cache-memory", `Memorystore memory above ${memory}%`, `Memorystore memory above ${memory}% of capacity for 15 minutes: keys will be evicted; raise cacheMemoryGb.`, {
                filter: pulumi.interpolate`metric.type = "redis.googleapis.com/stats/memory/usage_ratio" AND resource.type = "redis_instance" AND resource.labels.instance_id = "${args.cacheInstanceId}"`,
                aligner: "ALIGN_MAX",
                comparison: "COMPARISON_GT",
                threshold: memory / 100,
                seconds: sustained,
            });
        }

        if (args.uptimeHost !== undefined) {
            const check = new gcp.monitoring.UptimeCheckConfig(
                `${name}-uptime`,
                {
                    project: args.project,
                    displayName: `${stackLabel}: /healthz`,
                    period: "60s",
                    timeout: "10s",
                    httpCheck: { path: "/healthz", port: 443, useSsl: true, validateSsl: true, requestMethod: "GET", acceptedResponseStatusCodes: [{ statusClass: "STATUS_CLASS_2XX" }] },
                    monitoredResource: { type: "uptime_url", labels: { project_id: args.project, host: args.uptimeHost } },
                },
                waitForApis,
            );
            // Checkers run from several regions; more than one failing is an outage, not a blip on one path.
            this.policies.uptime = policy("uptime", "/healthz failing from more than one region", "The uptime check on /healthz failed from more than one checker region. The service is down or unreachable from the internet.", {
                filter: pulumi.interpolate`metric.type = "monitoring.googleapis.com/uptime_check/check_passed" AND resource.type = "uptime_url" AND metric.labels.check_id = "${check.uptimeCheckId}"`,
                aligner: "ALIGN_NEXT_OLDER",
                reducer: "REDUCE_COUNT_FALSE",
                comparison: "COMPARISON_GT",
                threshold: 1,
                seconds: 60,
            });
        }

        this.registerOutputs({ notificationChannels: this.notificationChannels, policies: this.policies });
    }
}
