// The alarms someone should hear about: the service answering 5xx or slowly,
// targets failing health checks, CPU pinned high even after scaling, and the
// database and cache running out of room. Two of them also gate deployments:
// ECS rolls a release back when the 5xx or unhealthy-host alarm fires during it.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ALERT_THRESHOLDS } from "../alertThresholds";

/** The RDS instance the database alarms watch. */
export interface DatabaseAlarmTarget {
    /** DB instance identifier (the `DBInstanceIdentifier` dimension). */
    readonly identifier: pulumi.Input<string>;
    /** Allocated storage, GB: the free-storage alarm fires below the unused share of it. */
    readonly storageGb: number;
    /** Instance class, e.g. `db.t4g.small`: sets max_connections and so the connection alarm. */
    readonly instanceClass: string;
}

/** The ElastiCache nodes the cache alarms watch. */
export interface CacheAlarmTarget {
    /** Member cluster IDs of the replication group (one per node; the `CacheClusterId` dimension). */
    readonly memberClusters: pulumi.Input<pulumi.Input<string>[]>;
}

export interface AlarmsArgs {
    /** `app/<name>/<id>` of the load balancer. */
    readonly loadBalancerArnSuffix: pulumi.Input<string>;
    /** `targetgroup/<name>/<id>` of the service's target group. */
    readonly targetGroupArnSuffix: pulumi.Input<string>;
    /** The ECS cluster and service whose CPU the CPU alarm watches; required unless `cpu` is given. */
    readonly clusterName?: pulumi.Input<string>;
    readonly serviceName?: pulumi.Input<string>;
    /** The CPU metric to watch instead, for a platform without an ECS service (Beanstalk's Auto Scaling group). @default none */
    readonly cpu?: CpuMetric;
    /** p95 target response time, milliseconds, above which the latency alarm fires (the `latencyThresholdMs` setting). */
    readonly latencyThresholdMs: number;
    /** Address subscribed to the topic (it must confirm the subscription). @default none */
    readonly email?: string;
    /** The database to watch. @default none (no database alarms) */
    readonly database?: DatabaseAlarmTarget;
    /** The cache to watch. @default none (no cache alarms) */
    readonly cache?: CacheAlarmTarget;
    /** Percent of requests answered 5xx, over 3 of 5 minutes. @default 5 */
    readonly errorRatePercent?: number;
    /** Average service CPU, percent, over 15 minutes. @default 90 */
    readonly cpuPercent?: number;
}

export const ALARM_DEFAULTS = { errorRatePercent: ALERT_THRESHOLDS.errorRatePercent, cpuPercent: ALERT_THRESHOLDS.serviceCpuPercent } as const;

/** GiB of memory per RDS instance size, for the families this stack is sized with (burstable and general purpose / memory optimized). */
const RDS_MEMORY_GIB: Record<"standard" | "memory", Record<string, number>> = {
    standard: { micro: 1, small: 2, medium: 4, large: 8, xlarge: 16, "2xlarge": 32, "4xlarge": 64, "8xlarge": 128, "12xlarge": 192, "16xlarge": 256, "24xlarge": 384 },
    memory: { large: 16, xlarge: 32, "2xlarge": 64, "4xlarge": 128, "8xlarge": 256, "12xlarge": 384, "16xlarge": 512, "24xlarge": 768 },
};

/**
 * PostgreSQL's default max_connections on RDS: LEAST(DBInstanceClassMemory /
 * 9531392, 5000) (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Limits.html#RDS_Limits.MaxConnections),
 * from the class's nominal memory. RDS reserves some memory, so the real value
 * is a little lower; a class this table does not know counts as 1 GiB, so its
 * alarm fires early rather than never.
 */
export function rdsMaxConnections(instanceClass: string): number {
    const [, family = "", size = ""] = instanceClass.split(".");
    const table = /^(r|x|z)/.test(family) ? RDS_MEMORY_GIB.memory : RDS_MEMORY_GIB.standard;
    const gib = table[size] ?? 1;
    return Math.min(Math.floor((gib * 1024 ** 3) / 9531392), 5000);
}

/** A CPU utilization metric (percent) the CPU alarm can watch. */
export interface CpuMetric {
    readonly description: string;
    readonly namespace: string;
    readonly metricName: string;
    readonly dimensions: Record<string, pulumi.Input<string>>;
}

export class Alarms extends pulumi.ComponentResource {
    readonly topicArn: pulumi.Output<string>;
    /** The alarms an ECS deployment watches and rolls back on: 5xx rate and unhealthy targets. */
    readonly deploymentAlarmNames: pulumi.Output<string>[];

    constructor(name: string, args: AlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:aws:Alarms", name, {}, opts);
        const errorRatePercent = args.errorRatePercent ?? ALARM_DEFAULTS.errorRatePercent;
        const cpuPercent = args.cpuPercent ?? ALARM_DEFAULTS.cpuPercent;
        const sustainedPeriods = ALERT_THRESHOLDS.sustainedMinutes / 5;

        // Unencrypted on purpose: CloudWatch cannot publish to a topic under the AWS-managed SNS key.
        const topic = new aws.sns.Topic(`${name}-topic`, {}, { parent: this });
        if (args.email) {
            new aws.sns.TopicSubscription(`${name}-email`, { topic: topic.arn, protocol: "email", endpoint: args.email }, { parent: this });
        }
        const actions = { alarmActions: [topic.arn], okActions: [topic.arn] };
        const lbMetric = (id: string, metricName: string) => ({
            id,
            metric: { namespace: "AWS/ApplicationELB", metricName, dimensions: { LoadBalancer: args.loadBalancerArnSuffix }, period: 60, stat: "Sum" },
        });

        const errorRate = new aws.cloudwatch.MetricAlarm(
            `${name}-5xx-rate`,
            {
                alarmDescription: `More than ${errorRatePercent}% of requests answered 5xx (by the app or the load balancer); a deployment in progress rolls back`,
                metricQueries: [
                    lbMetric("target5xx", "HTTPCode_Target_5XX_Count"),
                    lbMetric("elb5xx", "HTTPCode_ELB_5XX_Count"),
                    lbMetric("requests", "RequestCount"),
                    {
                        id: "rate",
                        label: "5xx percent",
                        expression: "IF(requests > 0, 100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests, 0)",
                        returnData: true,
                    },
                ],
                comparisonOperator: "GreaterThanThreshold",
                threshold: errorRatePercent,
                evaluationPeriods: 5,
                datapointsToAlarm: 3,
                treatMissingData: "notBreaching",
                ...actions,
            },
            { parent: this },
        );

        const unhealthyHosts = new aws.cloudwatch.MetricAlarm(
            `${name}-unhealthy-hosts`,
            {
                alarmDescription: "Tasks failing the load balancer's health check; a deployment in progress rolls back",
                namespace: "AWS/ApplicationELB",
                metricName: "UnHealthyHostCount",
                dimensions: { LoadBalancer: args.loadBalancerArnSuffix, TargetGroup: args.targetGroupArnSuffix },
                statistic: "Maximum",
                period: 60,
                evaluationPeriods: 3,
                comparisonOperator: "GreaterThanThreshold",
                threshold: 0,
                treatMissingData: "notBreaching",
                ...actions,
            },
            { parent: this },
        );

        new aws.cloudwatch.MetricAlarm(
            `${name}-p95-latency`,
            {
                alarmDescription: `p95 target response time above ${args.latencyThresholdMs} ms for 5 minutes (latencyThresholdMs)`,
                namespace: "AWS/ApplicationELB",
                metricName: "TargetResponseTime",
                dimensions: { LoadBalancer: args.loadBalancerArnSuffix, TargetGroup: args.targetGroupArnSuffix },
                extendedStatistic: "p95",
                period: 60,
                evaluationPeriods: 5,
                datapointsToAlarm: 5,
                comparisonOperator: "GreaterThanThreshold",
                // CloudWatch reports TargetResponseTime in seconds.
                threshold: args.latencyThresholdMs / 1000,
                treatMissingData: "notBreaching",
                ...actions,
            },
            { parent: this },
        );

        if (args.cpu === undefined && (args.clusterName === undefined || args.serviceName === undefined)) {
            throw new Error("Alarms: clusterName and serviceName are required unless cpu names the metric to watch");
        }
        const cpu = args.cpu ?? {
            description: `Service CPU above ${cpuPercent}% for 15 minutes: autoscaling is at its limit or not keeping up`,
            namespace: "AWS/ECS",
            metricName: "CPUUtilization",
            dimensions: { ClusterName: args.clusterName!, ServiceName: args.serviceName! },
        };
        new aws.cloudwatch.MetricAlarm(
            `${name}-high-cpu`,
            {
                alarmDescription: cpu.description,
                namespace: cpu.namespace,
                metricName: cpu.metricName,
                dimensions: cpu.dimensions,
                statistic: "Average",
                period: 300,
                evaluationPeriods: sustainedPeriods,
                comparisonOperator: "GreaterThanThreshold",
                threshold: cpuPercent,
                treatMissingData: "missing",
                ...actions,
            },
            { parent: this },
        );

        if (args.database) {
            this.createDatabaseAlarms(name, args.database, actions, sustainedPeriods);
        }
        if (args.cache) {
            this.createCacheAlarms(name, args.cache, actions, sustainedPeriods);
        }

        this.topicArn = topic.arn;
        this.deploymentAlarmNames = [errorRate.name, unhealthyHosts.name];
        this.registerOutputs({ topicArn: this.topicArn, deploymentAlarmNames: this.deploymentAlarmNames });
    }

    /** RDS CPU, free storage and connections, each sustained for 15 minutes. */
    private createDatabaseAlarms(name: string, db: DatabaseAlarmTarget, actions: object, periods: number): void {
        const rds = (metricName: string, statistic: string) => ({
            namespace: "AWS/RDS",
            metricName,
            dimensions: { DBInstanceIdentifier: db.identifier },
            statistic,
            period: 300,
            evaluationPeriods: periods,
            treatMissingData: "missing",
            ...actions,
        });
        const cpu = ALERT_THRESHOLDS.databaseCpuPercent;
        new aws.cloudwatch.MetricAlarm(
            `${name}-db-cpu`,
            { alarmDescription: `Database CPU above ${cpu}% for 15 minutes`, ...rds("CPUUtilization", "Average"), comparisonOperator: "GreaterThanThreshold", threshold: cpu },
            { parent: this },
        );
        const freePercent = 100 - ALERT_THRESHOLDS.databaseStorageUsedPercent;
        // FreeStorageSpace is in bytes; allocated storage is in GiB.
        const freeBytes = Math.round((db.storageGb * 1024 ** 3 * freePercent) / 100);
        new aws.cloudwatch.MetricAlarm(
            `${name}-db-storage`,
            {
                alarmDescription: `Database free storage below ${freePercent}% of ${db.storageGb} GB: raise dbStorageGb before it fills`,
                ...rds("FreeStorageSpace", "Minimum"),
                comparisonOperator: "LessThanThreshold",
                threshold: freeBytes,
            },
            { parent: this },
        );
        const maxConnections = rdsMaxConnections(db.instanceClass);
        const connections = Math.floor((maxConnections * ALERT_THRESHOLDS.databaseConnectionsPercent) / 100);
        new aws.cloudwatch.MetricAlarm(
            `${name}-db-connections`,
            {
                alarmDescription: `Database connections above ${connections} (${ALERT_THRESHOLDS.databaseConnectionsPercent}% of about ${maxConnections} allowed on ${db.instanceClass}) for 15 minutes`,
                ...rds("DatabaseConnections", "Maximum"),
                comparisonOperator: "GreaterThanThreshold",
                threshold: connections,
            },
            { parent: this },
        );
    }

    /** ElastiCache memory and evictions on the busiest node (the primary can move on failover). */
    private createCacheAlarms(name: string, cache: CacheAlarmTarget, actions: object, periods: number): void {
        const busiestNode = (metricName: string, stat: string, label: string) =>
            pulumi.output(cache.memberClusters).apply((ids) => [
                ...ids.map((id, i) => ({
                    id: `node${i}`,
                    metric: { namespace: "AWS/ElastiCache", metricName, dimensions: { CacheClusterId: id }, period: 300, stat },
                })),
                { id: "busiest", label, expression: `MAX([${ids.map((_, i) => `node${i}`).join(", ")}])`, returnData: true },
            ]);
        const memory = ALERT_THRESHOLDS.cacheMemoryPercent;
        new aws.cloudwatch.MetricAlarm(
            `${name}-cache-memory`,
            {
                alarmDescription: `Cache memory above ${memory}% of the node for 15 minutes: keys will be evicted; raise cacheNodeType`,
                metricQueries: busiestNode("DatabaseMemoryUsagePercentage", "Maximum", "Memory used, percent"),
                comparisonOperator: "GreaterThanThreshold",
                threshold: memory,
                evaluationPeriods: periods,
                treatMissingData: "missing",
                ...actions,
            },
            { parent: this },
        );
        new aws.cloudwatch.MetricAlarm(
            `${name}-cache-evictions`,
            {
                alarmDescription: "The cache evicted keys for lack of memory in each of the last 15 minutes",
                metricQueries: busiestNode("Evictions", "Sum", "Keys evicted"),
                comparisonOperator: "GreaterThanThreshold",
                threshold: 0,
                evaluationPeriods: periods,
                treatMissingData: "notBreaching",
                ...actions,
            },
            { parent: this },
        );
    }
}
