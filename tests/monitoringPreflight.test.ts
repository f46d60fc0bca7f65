// The apply-time rules for the operations pieces: each rejects an input its
// API would reject, and accepts what the program declares. No mocks.
import * as assert from "assert";
import { ResourceView, preflight } from "../analysis/preflight";
import { RULES } from "../analysis/rules";
import { MONITORING_RULES } from "../analysis/rules/monitoring";
import { render } from "./harness";

const res = (type: string, name: string, inputs: Record<string, unknown>): ResourceView => ({ type, name, inputs });
const long = (n: number, c = "a"): string => c.repeat(n);

/** One input each monitoring rule must reject, by rule id (tests/preflight.test.ts may merge these). */
export const MONITORING_VIOLATIONS: Record<string, ResourceView[]> = {
    "aws-alarm-datapoints": [res("aws:cloudwatch/metricAlarm:MetricAlarm", "x", { evaluationPeriods: 3, datapointsToAlarm: 5 })],
    "aws-alarm-metric-queries": [
        res("aws:cloudwatch/metricAlarm:MetricAlarm", "x", { metricQueries: [{ id: "Requests", returnData: true }] }),
        res("aws:cloudwatch/metricAlarm:MetricAlarm", "y", { metricQueries: [{ id: "a", returnData: true }, { id: "b", returnData: true }] }),
    ],
    "aws-alarm-extended-statistic": [res("aws:cloudwatch/metricAlarm:MetricAlarm", "x", { extendedStatistic: "95th" })],
    "aws-sns-email-endpoint": [res("aws:sns/topicSubscription:TopicSubscription", "x", { protocol: "email", endpoint: "ops" })],
    "gcp-channel-display-name": [res("gcp:monitoring/notificationChannel:NotificationChannel", "x", { type: "email", displayName: long(513), labels: { email_address: "a@b.co" } })],
    "gcp-channel-email-address": [res("gcp:monitoring/notificationChannel:NotificationChannel", "x", { type: "email", labels: {} })],
    "gcp-alert-policy-display-name": [res("gcp:monitoring/alertPolicy:AlertPolicy", "x", { displayName: long(513) }), res("gcp:monitoring/alertPolicy:AlertPolicy", "y", {})],
    "gcp-alert-policy-documentation": [res("gcp:monitoring/alertPolicy:AlertPolicy", "x", { displayName: "p", documentation: { content: long(8193) } })],
    "gcp-alert-policy-condition-timing": [
        res("gcp:monitoring/alertPolicy:AlertPolicy", "x", { displayName: "p", conditions: [{ conditionThreshold: { duration: "90s", aggregations: [{ alignmentPeriod: "30s" }] } }] }),
    ],
    "gcp-alert-policy-channels": [res("gcp:monitoring/alertPolicy:AlertPolicy", "x", { displayName: "p", notificationChannels: Array.from({ length: 17 }, (_, i) => `c${i}`) })],
    "aws-dashboard-name": [res("aws:cloudwatch/dashboard:Dashboard", "x", { dashboardName: "shop.api/prod" }), res("aws:cloudwatch/dashboard:Dashboard", "y", { dashboardName: long(256) })],
    "aws-dashboard-widgets": [res("aws:cloudwatch/dashboard:Dashboard", "x", { dashboardName: "d", dashboardBody: JSON.stringify({ widgets: Array.from({ length: 501 }, () => ({})) }) })],
    "gcp-dashboard-layout": [res("gcp:monitoring/dashboard:Dashboard", "x", { dashboardJson: JSON.stringify({ mosaicLayout: { columns: 48, tiles: [{ xPos: 40, width: 24 }] } }) })],
    "aws-s3-bucket-name": [res("aws:s3/bucket:Bucket", "x", { bucket: "Shop_Logs" }), res("aws:s3/bucket:Bucket", "an-access-log-bucket-with-a-logical-name-far-too-long-for-s3", {})],
    "aws-s3-lifecycle-days": [res("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "x", { rules: [{ expiration: { days: 0 } }] })],
    "gcp-log-bucket-id": [res("gcp:logging/projectBucketConfig:ProjectBucketConfig", "x", { bucketId: "_shop logs" })],
    "gcp-log-bucket-retention": [res("gcp:logging/projectBucketConfig:ProjectBucketConfig", "x", { bucketId: "b", retentionDays: 3653 })],
    "gcp-log-sink-name": [res("gcp:logging/projectSink:ProjectSink", "x", { name: long(101) })],
    "gcp-log-exclusion-name": [res("gcp:logging/projectExclusion:ProjectExclusion", "x", { name: "shop/logs" })],
    "aws-s3-bucket-policy-size": [res("aws:s3/bucketPolicy:BucketPolicy", "x", { policy: JSON.stringify({ Statement: [{ Resource: long(20500) }] }) })],
    "aws-s3-encryption-algorithm": [res("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "x", { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "SSE-S3" } }] })],
    "gcp-log-sink-destination": [res("gcp:logging/projectSink:ProjectSink", "x", { name: "s", destination: "logging.googleapis.com/buckets/shop-logs" })],
    "gcp-uptime-check-timing": [res("gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig", "x", { period: "120s", timeout: "90s" })],
};

describe("monitoring preflight rules", () => {
    it("has a violating input for every rule, and every rule cites its source", () => {
        assert.deepStrictEqual(MONITORING_RULES.map((r) => r.id).filter((id) => !(id in MONITORING_VIOLATIONS)), []);
        for (const rule of MONITORING_RULES) {
            assert.match(rule.source, /^https:\/\//, `${rule.id} cites its reference`);
        }
    });

    for (const [id, resources] of Object.entries(MONITORING_VIOLATIONS)) {
        it(`${id}: rejects what the cloud would`, () => {
            const found = preflight(resources, RULES).filter((v) => v.rule === id);
            assert.ok(found.length > 0, `expected ${id} to fire on ${JSON.stringify(resources)}`);
            assert.ok(found.every((v) => v.property !== "" && v.message.length > 10));
        });
    }

    for (const [stack, overrides] of [
        ["prod", ["alarmEmail=ops@example.com"]],
        ["dev", ["alarmEmail=ops@example.com"]],
    ] as Array<[string, string[]]>) {
        it(`accepts what the ${stack} fixture declares with every monitoring piece on`, async () => {
            const r = await render(stack, ...overrides);
            assert.deepStrictEqual(preflight(r.resources, { resource: MONITORING_RULES, stack: [] }), []);
        });
    }
});
