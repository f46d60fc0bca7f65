// Apply-time rules for the operations pieces: alert recipients, alarms and
// alert policies, dashboards, and the access-log bucket and log routing. One
// entry per limit, with the API reference that states it.
import { ResourceRule } from "../preflight";
import { at, known, textRule } from "./checks";

const SNS_SUBSCRIBE = "https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html";
const CHANNEL = "https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.notificationChannels";

const PUT_METRIC_ALARM = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html";
const METRIC_DATA_QUERY = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricDataQuery.html";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";
const NOTIFICATION_CHANNEL = "gcp:monitoring/notificationChannel:NotificationChannel";

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
];
