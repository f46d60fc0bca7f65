// Who hears about a failure, on both clouds: the alarmEmail recipient, and the
// alerts that exist whether or not one is set.
import * as assert from "assert";
import { logDeliveryPrincipal } from "../components/aws/accessLogs";
import { MOCK_ACCOUNT_ID, computed, parseJson, render } from "./harness";

const EMAIL = "alarmEmail=ops@example.com";
/** One dev variant for the knobs that only change a number, so the tests share its render. */
const DEV_KNOBS = ["latencyThresholdMs=400", "logRetentionDays=90"];
const SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";
const CHANNEL = "gcp:monitoring/notificationChannel:NotificationChannel";

describe("alert recipient (alarmEmail)", () => {
    it("subscribes the address to the alarm topic on AWS", async () => {
        const sub = (await render("prod", EMAIL)).one(SUBSCRIPTION);
        assert.deepStrictEqual(sub.inputs, { topic: computed("app-alarms-topic", "arn"), protocol: "email", endpoint: "ops@example.com" });
    });

    it("makes it a Cloud Monitoring email channel on Google Cloud", async () => {
        const channel = (await render("dev", EMAIL)).one(CHANNEL);
        assert.strictEqual(channel.inputs.type, "email");
        assert.deepStrictEqual(channel.inputs.labels, { email_address: "ops@example.com" });
        assert.strictEqual(channel.inputs.project, "acme-dev-1");
    });

    it("declares no subscription or channel without an address", async () => {
        assert.ok(!(await render("prod")).has(SUBSCRIPTION));
        assert.ok(!(await render("dev")).has(CHANNEL));
    });
});

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
type Query = { id: string; expression?: string; returnData?: boolean; metric?: { namespace: string; metricName: string; dimensions: Record<string, string>; stat: string } };

describe("AWS alarms", () => {
    const topic = computed("app-alarms-topic", "arn");

    it("alarm on p95 target response time above latencyThresholdMs, in seconds", async () => {
        const r = await render("prod");
        const a = r.one(ALARM, "app-alarms-p95-latency");
        assert.deepStrictEqual([a.inputs.namespace, a.inputs.metricName, a.inputs.extendedStatistic], ["AWS/ApplicationELB", "TargetResponseTime", "p95"]);
        assert.strictEqual(a.inputs.threshold, 1);
        assert.deepStrictEqual(a.inputs.alarmActions, [topic]);
        assert.strictEqual((await render("prod", "latencyThresholdMs=250")).one(ALARM, "app-alarms-p95-latency").inputs.threshold, 0.25);
    });

    it("alarm on RDS CPU, free storage and connections, sized from the database settings", async () => {
        const r = await render("prod");
        const byName = (n: string) => r.one(ALARM, `app-alarms-db-${n}`).inputs;
        for (const n of ["cpu", "storage", "connections"]) {
            assert.deepStrictEqual(byName(n).dimensions, { DBInstanceIdentifier: computed("app-db-postgres", "identifier") });
            assert.deepStrictEqual(byName(n).alarmActions, [topic]);
            assert.strictEqual(byName(n).namespace, "AWS/RDS");
        }
        assert.deepStrictEqual([byName("cpu").metricName, byName("cpu").comparisonOperator, byName("cpu").threshold], ["CPUUtilization", "GreaterThanThreshold", 90]);
        // 10% of the fixture's 20 GiB, in bytes.
        assert.deepStrictEqual([byName("storage").metricName, byName("storage").comparisonOperator, byName("storage").threshold], ["FreeStorageSpace", "LessThanThreshold", 2147483648]);
        // db.t4g.small: 2 GiB / 9531392 = 225 connections; 80% of that.
        assert.deepStrictEqual([byName("connections").metricName, byName("connections").threshold], ["DatabaseConnections", 180]);
    });

    it("alarm on ElastiCache memory and evictions across every node", async () => {
        const r = await render("prod");
        for (const [n, metricName, threshold] of [["memory", "DatabaseMemoryUsagePercentage", 80], ["evictions", "Evictions", 0]] as const) {
            const a = r.one(ALARM, `app-alarms-cache-${n}`).inputs;
            const queries = a.metricQueries as Query[];
            const nodes = queries.filter((q) => q.metric).map((q) => q.metric!);
            assert.deepStrictEqual(nodes.map((m) => [m.namespace, m.metricName, m.dimensions.CacheClusterId]), [
                ["AWS/ElastiCache", metricName, computed("app-cache-redis", "memberClusters[0]")],
                ["AWS/ElastiCache", metricName, computed("app-cache-redis", "memberClusters[1]")],
            ]);
            assert.deepStrictEqual(queries.filter((q) => q.returnData).map((q) => q.expression), ["MAX([node0, node1])"]);
            assert.strictEqual(a.threshold, threshold);
            assert.deepStrictEqual(a.alarmActions, [topic]);
        }
    });

    it("declare no database or cache alarms without a database or cache", async () => {
        const names = (await render("prod", "database=none", "cache=none")).all(ALARM).map((a) => a.name).sort();
        assert.deepStrictEqual(names, ["app-alarms-5xx-rate", "app-alarms-high-cpu", "app-alarms-p95-latency", "app-alarms-unhealthy-hosts"]);
    });

    it("roll a deployment back when the 5xx or unhealthy-host alarm fires, keeping the circuit breaker", async () => {
        const svc = (await render("prod")).one("aws:ecs/service:Service");
        assert.deepStrictEqual(svc.inputs.alarms, {
            alarmNames: [computed("app-alarms-5xx-rate", "name"), computed("app-alarms-unhealthy-hosts", "name")],
            enable: true,
            rollback: true,
        });
        assert.deepStrictEqual(svc.inputs.deploymentCircuitBreaker, { enable: true, rollback: true });
        assert.ok(svc.dependsOn?.includes(`${ALARM}::app-alarms-5xx-rate`), "the service waits for the alarms it names");
    });

    it("still raise every alarm into the topic without alarmEmail", async () => {
        const r = await render("prod");
        assert.ok(!r.has(SUBSCRIPTION));
        const alarms = r.all(ALARM);
        assert.ok(alarms.length >= 9);
        for (const a of alarms) {
            assert.deepStrictEqual(a.inputs.alarmActions, [topic], a.name);
        }
    });
});

const POLICY = "gcp:monitoring/alertPolicy:AlertPolicy";
type Condition = { conditionThreshold: { filter: string; denominatorFilter?: string; comparison: string; thresholdValue: number; duration: string; aggregations: Array<{ perSeriesAligner: string; crossSeriesReducer?: string }> } };

describe("Google Cloud alert policies", () => {
    const condition = (r: Awaited<ReturnType<typeof render>>, role: string): Condition["conditionThreshold"] =>
        (r.one(POLICY, `app-monitoring-${role}`).inputs.conditions as Condition[])[0].conditionThreshold;
    const SERVICE = 'resource.type = "cloud_run_revision" AND resource.labels.service_name = "shop-api-dev"';

    it("alert on the 5xx share of this service's requests", async () => {
        const c = condition(await render("dev"), "5xx-ratio");
        assert.strictEqual(c.filter, `metric.type = "run.googleapis.com/request_count" AND ${SERVICE} AND metric.labels.response_code_class = "5xx"`);
        assert.strictEqual(c.denominatorFilter, `metric.type = "run.googleapis.com/request_count" AND ${SERVICE}`);
        assert.deepStrictEqual([c.comparison, c.thresholdValue, c.duration], ["COMPARISON_GT", 0.05, "180s"]);
    });

    it("alert on p95 latency above latencyThresholdMs", async () => {
        const c = condition(await render("dev", ...DEV_KNOBS), "p95-latency");
        assert.match(c.filter, /run\.googleapis\.com\/request_latencies/);
        assert.strictEqual(c.aggregations[0].crossSeriesReducer, "REDUCE_PERCENTILE_95");
        assert.deepStrictEqual([c.comparison, c.thresholdValue], ["COMPARISON_GT", 400]);
    });

    it("alert when the service sits at maxInstances for 15 minutes", async () => {
        const c = condition(await render("dev"), "max-instances");
        assert.match(c.filter, /run\.googleapis\.com\/container\/instance_count/);
        assert.deepStrictEqual([c.comparison, c.thresholdValue, c.duration], ["COMPARISON_GE", 3, "900s"]);
    });

    it("alert on Cloud SQL CPU and disk, and Memorystore memory, when they exist", async () => {
        const r = await render("dev", "cache=redis");
        const cpu = condition(r, "db-cpu");
        assert.strictEqual(cpu.filter, `metric.type = "cloudsql.googleapis.com/database/cpu/utilization" AND resource.type = "cloudsql_database" AND resource.labels.database_id = "acme-dev-1:${computed("app-database-instance", "name")}"`);
        assert.strictEqual(cpu.thresholdValue, 0.9);
        assert.match(condition(r, "db-disk").filter, /cloudsql\.googleapis\.com\/database\/disk\/utilization/);
        const redis = condition(r, "cache-memory");
        assert.strictEqual(redis.filter, `metric.type = "redis.googleapis.com/stats/memory/usage_ratio" AND resource.type = "redis_instance" AND resource.labels.instance_id = "${computed("app-cache-redis", "id")}"`);
        assert.strictEqual(redis.thresholdValue, 0.8);
        assert.ok(!(await render("dev", "database=none", "cache=none")).all(POLICY).some((p) => p.name.includes("-db-")));
    });

    it("probe /healthz over HTTPS on the service's host and alert when it fails from more than one region", async () => {
        const r = await render("dev");
        const check = r.one("gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig");
        assert.deepStrictEqual(check.inputs.monitoredResource, { type: "uptime_url", labels: { project_id: "acme-dev-1", host: computed("app-run-service", "uri") } });
        assert.deepStrictEqual([(check.inputs.httpCheck as { path: string }).path, (check.inputs.httpCheck as { useSsl: boolean }).useSsl], ["/healthz", true]);
        const c = condition(r, "uptime");
        assert.match(c.filter, new RegExp(`check_id = "${computed("app-monitoring-uptime", "uptimeCheckId").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}"`));
        assert.deepStrictEqual([c.aggregations[0].crossSeriesReducer, c.comparison, c.thresholdValue], ["REDUCE_COUNT_FALSE", "COMPARISON_GT", 1]);
    });

    it("skip the uptime check when the internet cannot reach the service", async () => {
        assert.ok(!(await render("dev", "public=false")).has("gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig"));
    });

    it("send every policy to the alarmEmail channel, and still declare them without one", async () => {
        const withEmail = (await render("dev", EMAIL)).all(POLICY);
        assert.ok(withEmail.length >= 6);
        for (const p of withEmail) {
            assert.deepStrictEqual(p.inputs.notificationChannels, [computed("app-monitoring-email", "name")], p.name);
            assert.strictEqual(p.inputs.project, "acme-dev-1");
        }
        const without = (await render("dev")).all(POLICY);
        assert.strictEqual(without.length, withEmail.length);
        assert.ok(without.every((p) => (p.inputs.notificationChannels as unknown[]).length === 0));
    });
});

describe("dashboards", () => {
    it("declare one CloudWatch dashboard per stack with every row, and link to it", async () => {
        const r = await render("prod");
        const d = r.one("aws:cloudwatch/dashboard:Dashboard");
        assert.strictEqual(d.inputs.dashboardName, "shop-api-prod");
        const body = JSON.parse(d.inputs.dashboardBody as string) as { widgets: Array<{ properties: { title: string; metrics: unknown[][] } }> };
        const titles = body.widgets.map((w) => w.properties.title);
        assert.deepStrictEqual(titles, ["Requests", "Errors", "Latency (s)", "Tasks", "Service CPU and memory (%)", "Database", "Database free storage (bytes)", "Cache memory (%)", "Cache evictions"]);
        const latency = body.widgets[2].properties.metrics.map((m) => (m[m.length - 1] as { stat: string }).stat);
        assert.deepStrictEqual(latency, ["p50", "p95", "p99"]);
        assert.strictEqual(r.outputs.dashboardUrl, "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/shop-api-prod");
    });

    it("declare one Cloud Monitoring dashboard per stack with every row, and link to it", async () => {
        const r = await render("dev", "cache=redis");
        const d = r.one("gcp:monitoring/dashboard:Dashboard");
        const body = JSON.parse(d.inputs.dashboardJson as string) as { displayName: string; mosaicLayout: { tiles: Array<{ widget: { title: string } }> } };
        assert.strictEqual(body.displayName, "shop-api/dev");
        assert.deepStrictEqual(body.mosaicLayout.tiles.map((t) => t.widget.title), [
            "Requests per second by response class",
            "5xx per second",
            "Latency percentiles",
            "Instances",
            "CPU and memory utilisation (p95 of instances)",
            "Cloud SQL CPU and disk utilisation",
            "Cloud SQL connections",
            "Memorystore memory usage ratio",
            "Memorystore evicted keys",
        ]);
        assert.strictEqual(r.outputs.dashboardUrl, `https://console.cloud.google.com/monitoring/dashboards/builder/${computed("app-dashboard-dashboard", "id")}?project=acme-dev-1`);
    });
});

describe("access and request logs", () => {
    it("send ALB access logs to a private, encrypted, TLS-only bucket the stack creates, expiring after logRetentionDays", async () => {
        const r = await render("prod", "logRetentionDays=90");
        const bucket = computed("app-lb-logs-bucket", "id");
        assert.deepStrictEqual((r.one("aws:lb/loadBalancer:LoadBalancer").inputs.accessLogs as object), { bucket: computed("app-lb-logs-bucket", "bucket"), enabled: true });
        assert.deepStrictEqual(r.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs, { bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
        assert.deepStrictEqual(r.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").inputs.rules, [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }]);
        const rules = r.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs.rules as Array<{ expiration: { days: number } }>;
        assert.strictEqual(rules[0].expiration.days, 90);
        assert.strictEqual(r.one("aws:s3/bucket:Bucket", "app-lb-logs-bucket").inputs.forceDestroy, false, "a protected stack keeps its logs");
    });

    it("grant log delivery to the region's ELB account, deny plain HTTP, and make the balancer wait for the grant", async () => {
        const r = await render("prod");
        const policy = parseJson<{ Statement: Array<{ Sid: string; Effect: string; Principal: unknown; Action: string; Resource: unknown; Condition?: unknown }> }>(
            r.one("aws:s3/bucketPolicy:BucketPolicy", "app-lb-logs-bucket-policy").inputs.policy,
        );
        const arn = computed("app-lb-logs-bucket", "arn");
        const [deny, grant] = policy.Statement;
        assert.deepStrictEqual([deny.Effect, deny.Action, deny.Condition], ["Deny", "s3:*", { Bool: { "aws:SecureTransport": "false" } }]);
        assert.deepStrictEqual(deny.Resource, [arn, `${arn}/*`]);
        // us-east-1 predates August 2022: its ELB account, not the service principal.
        assert.deepStrictEqual([grant.Effect, grant.Principal, grant.Action, grant.Resource], ["Allow", { AWS: "arn:aws:iam::127311923021:root" }, "s3:PutObject", `${arn}/AWSLogs/${MOCK_ACCOUNT_ID}/*`]);
        assert.ok(r.one("aws:lb/loadBalancer:LoadBalancer").dependsOn?.includes("aws:s3/bucketPolicy:BucketPolicy::app-lb-logs-bucket-policy"));
    });

    it("grant the log-delivery service in regions opened since August 2022", () => {
        assert.deepStrictEqual(logDeliveryPrincipal("ap-southeast-4", "aws"), { Service: "logdelivery.elasticloadbalancing.amazonaws.com" });
        assert.deepStrictEqual(logDeliveryPrincipal("eu-west-1", "aws"), { AWS: "arn:aws:iam::156460612806:root" });
    });

    it("keep the Cloud Run service's logs in a bucket of their own for logRetentionDays, and out of _Default", async () => {
        const r = await render("dev", ...DEV_KNOBS);
        const bucket = r.one("gcp:logging/projectBucketConfig:ProjectBucketConfig");
        assert.deepStrictEqual([bucket.inputs.bucketId, bucket.inputs.location, bucket.inputs.retentionDays], ["shop-api-dev-logs", "europe-west1", 90]);
        const filter = 'resource.type = "cloud_run_revision" AND resource.labels.service_name = "shop-api-dev"';
        const sink = r.one("gcp:logging/projectSink:ProjectSink");
        assert.deepStrictEqual([sink.inputs.filter, sink.inputs.destination], [filter, `logging.googleapis.com/${computed("app-logs-bucket", "name")}`]);
        assert.strictEqual(r.one("gcp:logging/projectExclusion:ProjectExclusion").inputs.filter, filter);
        assert.strictEqual(r.outputs.logBucket, computed("app-logs-bucket", "name"));
    });
});
