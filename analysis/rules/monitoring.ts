// Apply-time rules for the operations pieces: alert recipients, alarms and
// alert policies, dashboards, and the access-log bucket and log routing. One
// entry per limit, with the API reference that states it.
import { ResourceRule } from "../preflight";
import { at, known, nameRule, numberRule, textRule } from "./checks";

const SNS_SUBSCRIBE = "https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html";
const CHANNEL = "https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.notificationChannels";

const LOG_BUCKETS = "https://cloud.google.com/logging/docs/reference/v2/rest/v2/projects.locations.buckets";
/** Cloud Logging IDs (buckets, sinks, exclusions). */
const LOGGING_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const LOGGING_ID_WORDS = "letters, digits, underscores, hyphens and periods, a letter or digit first";
const PUT_DASHBOARD = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html";
const PUT_METRIC_ALARM = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html";
const METRIC_DATA_QUERY = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataQuery.html";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";
const NOTIFICATION_CHANNEL = "gcp:monitoring/notificationChannel:NotificationChannel";
const ALERT_POLICY = "gcp:monitoring/alertPolicy:AlertPolicy";
const UPTIME_CHECK = "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig";
const ALERT_POLICY_REF = "https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.alertPolicies";
const UPTIME_REF = "https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.uptimeCheckConfigs";

/** The same loose shape the settings parser accepts: one @, a dot in the domain, no spaces. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export const MONITORING_RULES: readonly ResourceRule[] = [
    {
        // PutMetricAlarm: DatapointsToAlarm (M) of EvaluationPeriods (N) needs M <= N.
        id: "aws-alarm-datapoints",
        types: [ALARM],
        source: PUT_METRIC_ALARM,
        check(r) {
            const m = r.inputs.datapointsToAlarm;
            const n = r.inputs.evaluationPeriods;
            return typeof m === "number" && typeof n === "number" && m > n ? [{ property: "datapointsToAlarm", value: m, message: `must not exceed evaluationPeriods (${n})` }] : [];
        },
    },
    {
        // MetricDataQuery: Id starts with a lowercase letter, then letters, digits and _; an alarm returns exactly one query.
        id: "aws-alarm-metric-queries",
        types: [ALARM],
        source: METRIC_DATA_QUERY,
        check(r) {
            const queries = r.inputs.metricQueries;
            if (!Array.isArray(queries)) {
                return [];
            }
            const out = [];
            for (const q of queries as Array<{ id?: unknown; returnData?: unknown }>) {
                if (typeof q.id === "string" && !/^[a-z][A-Za-z0-9_]*$/.test(q.id)) {
                    out.push({ property: "metricQueries[].id", value: q.id, message: "must start with a lowercase letter, then letters, digits or underscores" });
                }
            }
            const returned = queries.filter((q: { returnData?: unknown }) => q.returnData === true).length;
            if (returned !== 1) {
                out.push({ property: "metricQueries[].returnData", value: returned, message: "exactly one query of an alarm must return data (its result is what the alarm compares)" });
            }
            return out;
        },
    },
    {
        // PutMetricAlarm: ExtendedStatistic is a percentile p0.0 to p100.
        id: "aws-alarm-extended-statistic",
        types: [ALARM],
        source: PUT_METRIC_ALARM,
        check(r) {
            const v = r.inputs.extendedStatistic;
            if (typeof v !== "string") {
                return [];
            }
            const p = /^p(\d{1,3}(\.\d+)?)$/.exec(v);
            return p && Number(p[1]) <= 100 ? [] : [{ property: "extendedStatistic", value: v, message: "must be a percentile from p0.0 to p100, e.g. p95" }];
        },
    },
    {
        // Subscribe: the email protocol's Endpoint is an email address.
        id: "aws-sns-email-endpoint",
        types: [SUBSCRIPTION],
        source: SNS_SUBSCRIBE,
        check(r) {
            const endpoint = r.inputs.endpoint;
            if (r.inputs.protocol !== "email" || (endpoint !== undefined && !known(endpoint))) {
                return [];
            }
            return typeof endpoint === "string" && EMAIL.test(endpoint) ? [] : [{ property: "endpoint", value: endpoint, message: "the email protocol needs an email address as its endpoint" }];
        },
    },

    // NotificationChannel: displayName up to 512 Unicode characters; an email channel needs labels.email_address.
    textRule({ id: "gcp-channel-display-name", types: [NOTIFICATION_CHANNEL], source: CHANNEL, property: "displayName", max: 512 }),
    {
        id: "gcp-channel-email-address",
        types: [NOTIFICATION_CHANNEL],
        source: "https://cloud.google.com/monitoring/support/notification-options#email",
        check(r) {
            const address = at(r.inputs, "labels.email_address");
            if (r.inputs.type !== "email" || (address !== undefined && !known(address))) {
                return [];
            }
            const ok = typeof address === "string" && EMAIL.test(address);
            return ok ? [] : [{ property: "labels.email_address", value: address, message: "an email channel needs an email address in labels.email_address" }];
        },
    },

    // AlertPolicy: displayName up to 512 Unicode characters; documentation.content up to 8,192 characters (and 10,240 bytes).
    textRule({ id: "gcp-alert-policy-display-name", types: [ALERT_POLICY], source: ALERT_POLICY_REF, property: "displayName", max: 512, required: true }),
    {
        id: "gcp-alert-policy-documentation",
        types: [ALERT_POLICY],
        source: `${ALERT_POLICY_REF}#documentation`,
        check(r) {
            const content = at(r.inputs, "documentation.content");
            if (typeof content !== "string" || !known(content)) {
                return [];
            }
            const bytes = Buffer.byteLength(content, "utf8");
            return [...content].length > 8192 || bytes > 10240 ? [{ property: "documentation.content", value: `${bytes} bytes`, message: "must be at most 8,192 characters and 10,240 bytes" }] : [];
        },
    },
    {
        // Conditions: a duration in whole minutes is what the API accepts for metric thresholds, and an alignment period of at least 60 s.
        id: "gcp-alert-policy-condition-timing",
        types: [ALERT_POLICY],
        source: `${ALERT_POLICY_REF}#MetricThreshold`,
        check(r) {
            const conditions = r.inputs.conditions;
            if (!Array.isArray(conditions)) {
                return [];
            }
            const out = [];
            for (const c of conditions as Array<{ conditionThreshold?: { duration?: unknown; aggregations?: Array<{ alignmentPeriod?: unknown }> } }>) {
                const t = c.conditionThreshold;
                const seconds = typeof t?.duration === "string" ? Number(/^(\d+)s$/.exec(t.duration)?.[1] ?? NaN) : undefined;
                if (seconds !== undefined && (!Number.isInteger(seconds) || seconds % 60 !== 0)) {
                    out.push({ property: "conditions[].conditionThreshold.duration", value: t?.duration, message: "must be a whole number of minutes, written in seconds (e.g. 300s)" });
                }
                for (const a of t?.aggregations ?? []) {
                    const period = typeof a.alignmentPeriod === "string" ? Number(/^(\d+)s$/.exec(a.alignmentPeriod)?.[1] ?? NaN) : undefined;
                    if (period !== undefined && !(period >= 60)) {
                        out.push({ property: "conditions[].conditionThreshold.aggregations[].alignmentPeriod", value: a.alignmentPeriod, message: "must be at least 60s" });
                    }
                }
            }
            return out;
        },
    },
    {
        // A policy takes at most 16 notification channels.
        id: "gcp-alert-policy-channels",
        types: [ALERT_POLICY],
        source: "https://cloud.google.com/monitoring/quotas#alerting_quotas",
        check(r) {
            const channels = r.inputs.notificationChannels;
            return Array.isArray(channels) && channels.length > 16 ? [{ property: "notificationChannels", value: channels.length, message: "a policy takes at most 16 notification channels" }] : [];
        },
    },
    {
        // UptimeCheckConfig: period 60s, 300s, 600s or 900s; timeout 1 to 60 s.
        id: "gcp-uptime-check-timing",
        types: [UPTIME_CHECK],
        source: UPTIME_REF,
        check(r) {
            const out = [];
            const period = r.inputs.period;
            if (typeof period === "string" && !["60s", "300s", "600s", "900s"].includes(period)) {
                out.push({ property: "period", value: period, message: "must be 60s, 300s, 600s or 900s" });
            }
            const timeout = r.inputs.timeout;
            const seconds = typeof timeout === "string" ? Number(/^(\d+)s$/.exec(timeout)?.[1] ?? NaN) : undefined;
            if (seconds !== undefined && !(seconds >= 1 && seconds <= 60)) {
                out.push({ property: "timeout", value: timeout, message: "must be 1s to 60s" });
            }
            return out;
        },
    },

    // PutDashboard: DashboardName up to 255 of A-Z, a-z, 0-9, "-" and "_"; a dashboard holds at most 500 widgets.
    nameRule({ id: "aws-dashboard-name", types: ["aws:cloudwatch/dashboard:Dashboard"], source: PUT_DASHBOARD, property: "dashboardName", max: 255, pattern: /^[A-Za-z0-9_-]+$/, allowed: "letters, digits, hyphens and underscores" }),
    {
        id: "aws-dashboard-widgets",
        types: ["aws:cloudwatch/dashboard:Dashboard"],
        source: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch-Dashboard-Body-Structure.html",
        check(r) {
            const body = r.inputs.dashboardBody;
            if (typeof body !== "string" || !known(body)) {
                return [];
            }
            const widgets = (JSON.parse(body) as { widgets?: unknown[] }).widgets ?? [];
            return widgets.length > 500 ? [{ property: "dashboardBody", value: `${widgets.length} widgets`, message: "a dashboard holds at most 500 widgets" }] : [];
        },
    },
    {
        // Monitoring dashboards: a displayName is required; a mosaic layout is at most 48 columns wide.
        id: "gcp-dashboard-layout",
        types: ["gcp:monitoring/dashboard:Dashboard"],
        source: "https://cloud.google.com/monitoring/api/ref_v3/rest/v1/projects.dashboards#MosaicLayout",
        check(r) {
            const json = r.inputs.dashboardJson;
            if (typeof json !== "string" || !known(json)) {
                return [];
            }
            const d = JSON.parse(json) as { displayName?: string; mosaicLayout?: { columns?: number; tiles?: Array<{ xPos?: number; width?: number }> } };
            const out = [];
            if (!d.displayName) {
                out.push({ property: "dashboardJson.displayName", value: d.displayName, message: "is required" });
            }
            const columns = d.mosaicLayout?.columns ?? 12;
            if (columns > 48 || (d.mosaicLayout?.tiles ?? []).some((t) => (t.xPos ?? 0) + (t.width ?? 0) > columns)) {
                out.push({ property: "dashboardJson.mosaicLayout", value: columns, message: "a mosaic layout has at most 48 columns, and every tile must fit inside them" });
            }
            return out;
        },
    },

    // S3 bucket names: 3-63 lowercase letters, digits, dots and hyphens, a letter or digit at each end (Pulumi's autoname included).
    nameRule({ id: "aws-s3-bucket-name", types: ["aws:s3/bucket:Bucket"], source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html", property: "bucket", autonamed: true, min: 3, max: 63, pattern: /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/, allowed: "lowercase letters, digits, dots and hyphens, a letter or digit at each end", reservedPrefixes: ["xn--", "sthree-"] }),
    {
        // Lifecycle expiration: Days must be a positive integer.
        id: "aws-s3-lifecycle-days",
        types: ["aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"],
        source: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleExpiration.html",
        check(r) {
            const rules = r.inputs.rules;
            if (!Array.isArray(rules)) {
                return [];
            }
            return (rules as Array<{ expiration?: { days?: unknown } }>)
                .map((rule) => rule.expiration?.days)
                .filter((days) => typeof days === "number" && !(Number.isInteger(days) && days >= 1))
                .map((days) => ({ property: "rules[].expiration.days", value: days, message: "must be a whole number of days, at least 1" }));
        },
    },

    // Cloud Logging: bucket, sink and exclusion IDs up to 100 of letters, digits, _ - and . (a letter or digit first); retention 1-3650 days.
    nameRule({ id: "gcp-log-bucket-id", types: ["gcp:logging/projectBucketConfig:ProjectBucketConfig"], source: LOG_BUCKETS, property: "bucketId", max: 100, pattern: LOGGING_ID, allowed: LOGGING_ID_WORDS }),
    numberRule({ id: "gcp-log-bucket-retention", types: ["gcp:logging/projectBucketConfig:ProjectBucketConfig"], source: LOG_BUCKETS, property: "retentionDays", min: 1, max: 3650 }),
    nameRule({ id: "gcp-log-sink-name", types: ["gcp:logging/projectSink:ProjectSink"], source: "https://cloud.google.com/logging/docs/reference/v2/rest/v2/projects.sinks", property: "name", max: 100, pattern: LOGGING_ID, allowed: LOGGING_ID_WORDS }),
    nameRule({ id: "gcp-log-exclusion-name", types: ["gcp:logging/projectExclusion:ProjectExclusion"], source: "https://cloud.google.com/logging/docs/reference/v2/rest/v2/projects.exclusions", property: "name", max: 100, pattern: LOGGING_ID, allowed: LOGGING_ID_WORDS }),

    {
        // Bucket policies: at most 20 KB.
        id: "aws-s3-bucket-policy-size",
        types: ["aws:s3/bucketPolicy:BucketPolicy"],
        source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html",
        check(r) {
            const policy = r.inputs.policy;
            if (typeof policy !== "string" || !known(policy)) {
                return [];
            }
            const bytes = Buffer.byteLength(policy, "utf8");
            return bytes > 20480 ? [{ property: "policy", value: `${bytes} bytes`, message: "a bucket policy may be at most 20 KB" }] : [];
        },
    },
    {
        // Default encryption: AES256 (SSE-S3), aws:kms or aws:kms:dsse. ELB access logs accept only SSE-S3, which is what the stack uses.
        id: "aws-s3-encryption-algorithm",
        types: ["aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"],
        source: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_ServerSideEncryptionByDefault.html",
        check(r) {
            const rules = r.inputs.rules;
            if (!Array.isArray(rules)) {
                return [];
            }
            return (rules as Array<{ applyServerSideEncryptionByDefault?: { sseAlgorithm?: unknown } }>)
                .map((rule) => rule.applyServerSideEncryptionByDefault?.sseAlgorithm)
                .filter((alg) => typeof alg === "string" && !["AES256", "aws:kms", "aws:kms:dsse"].includes(alg))
                .map((alg) => ({ property: "rules[].applyServerSideEncryptionByDefault.sseAlgorithm", value: alg, message: "must be AES256, aws:kms or aws:kms:dsse" }));
        },
    },
    {
        // Sink destinations name a service and resource: a log bucket is logging.googleapis.com/projects/P/locations/L/buckets/B.
        id: "gcp-log-sink-destination",
        types: ["gcp:logging/projectSink:ProjectSink"],
        source: "https://cloud.google.com/logging/docs/export/configure_export_v2#dest-path",
        check(r) {
            const d = r.inputs.destination;
            if (typeof d !== "string" || !d.startsWith("logging.googleapis.com/")) {
                return [];
            }
            const rest = d.slice("logging.googleapis.com/".length);
            // A computed bucket name is still checked for the prefix; only a known one for the full shape.
            return !known(rest) || /^projects\/[^/]+\/locations\/[^/]+\/buckets\/[^/]+$/.test(rest)
                ? []
                : [{ property: "destination", value: d, message: "a log bucket destination is logging.googleapis.com/projects/<project>/locations/<location>/buckets/<bucket>" }];
        },
    },
];
