// What a rendered stack costs a month: arithmetic over the resources a render
// declared, their inputs and the stack's region, with the prices in
// analysis/prices.ts. Fixed charges (hourly x 730, or per provisioned unit a
// month) are kept apart from usage-priced items, which state their unit price
// and the usage assumed. A resource type or region the table lacks is listed
// as not priced, never counted as $0. Free tiers are stated, not subtracted.
// Reads resources; never declares any.
import { CLOUD_SQL_HA_FACTOR, FARGATE_SPOT_DISCOUNT, HOURS_PER_MONTH, PRICES, PriceEntry, PriceId, RDS_MULTI_AZ_FACTOR, SECONDS_PER_MONTH, price } from "./prices";

/** The traffic a usage-priced item is estimated at. Every figure is per month. */
export interface UsageAssumptions {
    /** Requests served. @default 1,000,000 (about 0.4 a second) */
    readonly requests: number;
    /** Mean time an instance spends on one request, seconds (Cloud Run bills instance time). @default 0.1 */
    readonly meanResponseSeconds: number;
    /** Data sent to the internet, GB. @default 5 */
    readonly egressGb: number;
    /** Data through NAT gateways (image pulls, secrets, logs, outbound API calls), GB. @default 5 */
    readonly natGb: number;
    /** Load balancer capacity units in use on average (1 LCU = 25 new connections/s or 1 GB/h). @default 1 */
    readonly albLcu: number;
    /** Application logs ingested, GB. @default 1 */
    readonly logsGb: number;
    /** Images kept in the registry x compressed size, GB. @default 0.7 (10 images of 70 MB) */
    readonly imageGb: number;
    /** Database backups beyond the free allowance, GB. @default 1 */
    readonly backupGb: number;
    /** Objects kept in storage buckets (load balancer access logs), GB. @default 1 */
    readonly bucketGb: number;
    /** Runs of each scheduled job, and of the release task (one per deploy). @default 30 */
    readonly jobRuns: number;
    /** How long one job or release run takes, seconds. @default 60 */
    readonly jobSeconds: number;
}

export const DEFAULT_USAGE: UsageAssumptions = {
    requests: 1_000_000,
    meanResponseSeconds: 0.1,
    egressGb: 5,
    natGb: 5,
    albLcu: 1,
    logsGb: 1,
    imageGb: 0.7,
    backupGb: 1,
    bucketGb: 1,
    jobRuns: 30,
    jobSeconds: 60,
};

export type CostKind = "fixed" | "usage";

export interface CostItem {
    /** Pulumi type token of the resource the charge belongs to. */
    readonly type: string;
    readonly name: string;
    /** What is charged, e.g. "NAT gateways". */
    readonly what: string;
    /** `fixed`: charged whether or not traffic flows; `usage`: depends on traffic, at the stated assumption. */
    readonly kind: CostKind;
    /** USD a month, rounded to cents. */
    readonly monthlyUsd: number;
    /** The arithmetic, with unit prices, e.g. "3 x $0.045/NAT gateway-hour x 730 h". */
    readonly basis: string;
    /** For usage items: the usage the figure assumes. */
    readonly usage?: string;
    /** Price ids used (analysis/prices.ts). */
    readonly prices: readonly string[];
    /** False when a price was not seen on a stored page (taken from memory of the list price). */
    readonly verified: boolean;
    /** Free tiers that apply, stated and not subtracted. */
    readonly freeTiers?: readonly string[];
}

export interface UnpricedItem {
    readonly type: string;
    readonly name: string;
    readonly reason: string;
}

export interface CostEstimate {
    readonly currency: "USD";
    readonly cloud: string;
    readonly region: string;
    readonly hoursPerMonth: number;
    /** Fixed plus usage items, USD a month. */
    readonly monthlyTotal: number;
    readonly monthlyFixed: number;
    readonly monthlyUsage: number;
    readonly items: readonly CostItem[];
    /** Resources, or charges of a resource, the table cannot price: the total leaves them out. */
    readonly unpriced: readonly UnpricedItem[];
    /** Resources that carry no charge of their own (security groups, IAM, subnets...). */
    readonly free: ReadonlyArray<{ readonly type: string; readonly name: string }>;
    readonly usage: UsageAssumptions;
    readonly notes: readonly string[];
}

/** What the estimator reads of a render (the plan's JSON, or a test's made-up one). */
export interface CostInput {
    readonly settings?: unknown;
    readonly resources?: ReadonlyArray<{ readonly type: string; readonly name: string; readonly inputs: Record<string, unknown> }>;
}

type Resource = NonNullable<CostInput["resources"]>[number];

/** Types that cost nothing by themselves (their charges, if any, are priced on another resource). */
const FREE_TYPES = new Set([
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    "aws:iam/role:Role",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
    "aws:lb/targetGroup:TargetGroup",
    "aws:lb/listener:Listener",
    "aws:appautoscaling/target:Target",
    "aws:appautoscaling/policy:Policy",
    "aws:ecr/lifecyclePolicy:LifecyclePolicy",
    "aws:rds/subnetGroup:SubnetGroup",
    "aws:elasticache/subnetGroup:SubnetGroup",
    "aws:secretsmanager/secretVersion:SecretVersion",
    "aws:ecs/taskDefinition:TaskDefinition",
    "aws:acm/certificate:Certificate",
    "aws:acm/certificateValidation:CertificateValidation",
    "aws:route53/record:Record",
    "aws:sns/topic:Topic",
    "aws:sns/topicSubscription:TopicSubscription",
    "gcp:projects/service:Service",
    "gcp:projects/iAMMember:IAMMember",
    "gcp:compute/network:Network",
    "gcp:compute/subnetwork:Subnetwork",
    "gcp:compute/globalAddress:GlobalAddress",
    "gcp:servicenetworking/connection:Connection",
    "gcp:serviceaccount/account:Account",
    "gcp:serviceaccount/iAMMember:IAMMember",
    "gcp:secretmanager/secret:Secret",
    "gcp:secretmanager/secretIamMember:SecretIamMember",
    "gcp:sql/database:Database",
    "gcp:sql/user:User",
    "gcp:cloudrunv2/serviceIamMember:ServiceIamMember",
    "gcp:cloudrunv2/jobIamMember:JobIamMember",
    "gcp:cloudrun/domainMapping:DomainMapping",
    "gcp:iam/workloadIdentityPool:WorkloadIdentityPool",
    "gcp:monitoring/dashboard:Dashboard",
    "gcp:logging/projectSink:ProjectSink",
    "gcp:logging/projectExclusion:ProjectExclusion",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketObjectv2:BucketObjectv2",
    "aws:iam/instanceProfile:InstanceProfile",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:elasticbeanstalk/application:Application",
    "aws:elasticbeanstalk/applicationVersion:ApplicationVersion",
    "gcp:monitoring/notificationChannel:NotificationChannel",
    "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider",
    "random:index/randomPassword:RandomPassword",
    "docker:index/image:Image",
]);

/** Why a free type is free, where it is not obvious. */
export const FREE_NOTES = [
    "Free of their own: VPCs, subnets, security groups, IAM, target groups, listeners, autoscaling, ACM public certificates, Route 53 alias queries to a load balancer, SNS (first 1,000 e-mails a month), private services access ranges, service accounts, Cloud Run domain mappings, Cloud Monitoring dashboards and notification channels, S3 bucket settings, Cloud Logging sinks and exclusions (the Log Router has no charge).",
];

class MissingPrice extends Error {}

/** A charge of one resource, as the pricers build it before rounding. */
interface Charge {
    readonly what: string;
    readonly kind: CostKind;
    readonly usd: number;
    readonly basis: string;
    readonly usage?: string;
    readonly prices: readonly PriceId[];
}

interface Context {
    readonly region: string;
    readonly usage: UsageAssumptions;
    readonly resources: readonly Resource[];
    /** Availability zones the VPC spans (AWS). */
    readonly zones: number;
    /** Resolves a price or throws MissingPrice. */
    p(id: PriceId): number;
}

type Pricer = (r: Resource, ctx: Context) => Charge[];

const H = HOURS_PER_MONTH;
const usd = (n: number, digits = 4): string => `$${Number(n.toFixed(digits))}`;
const per = (id: PriceId, ctx: Context): string => `${usd(ctx.p(id), 7)}/${(PRICES[id] as PriceEntry).unit}`;

function num(v: unknown, fallback: number): number {
    const n = typeof v === "string" ? Number(v) : v;
    return typeof n === "number" && Number.isFinite(n) ? n : fallback;
}

/** awsx's VPC is a remote component: its NAT gateways and EIPs are invisible offline, so they are priced from its inputs. */
function vpcZones(inputs: Record<string, unknown>): number {
    const names = inputs.availabilityZoneNames;
    return Array.isArray(names) ? names.length : num(inputs.numberOfAvailabilityZones, 3); // awsx's default is 3
}

function natCount(inputs: Record<string, unknown>): number {
    const strategy = (inputs.natGateways as { strategy?: string } | undefined)?.strategy ?? "OnePerAz";
    return strategy === "None" ? 0 : strategy === "Single" ? 1 : vpcZones(inputs);
}

const PRICERS: Record<string, Pricer> = {
    "awsx:ec2:Vpc": (r, ctx) => {
        const n = natCount(r.inputs);
        if (n === 0) {
            return [];
        }
        return [
            { what: `NAT gateways (${n})`, kind: "fixed", usd: n * ctx.p("nat.hour") * H, basis: `${n} x ${per("nat.hour", ctx)} x ${H} h`, prices: ["nat.hour"] },
            { what: `NAT gateway public IPv4 (${n})`, kind: "fixed", usd: n * ctx.p("ipv4.hour") * H, basis: `${n} x ${per("ipv4.hour", ctx)} x ${H} h`, prices: ["ipv4.hour"] },
            {
                what: "NAT data processing",
                kind: "usage",
                usd: ctx.usage.natGb * ctx.p("nat.gb"),
                basis: `${ctx.usage.natGb} GB x ${per("nat.gb", ctx)}`,
                usage: `${ctx.usage.natGb} GB a month through NAT`,
                prices: ["nat.gb"],
            },
        ];
    },
    "aws:lb/loadBalancer:LoadBalancer": (r, ctx) => {
        if ((r.inputs.loadBalancerType ?? "application") !== "application") {
            throw new MissingPrice(`load balancer type ${String(r.inputs.loadBalancerType)} is not in the table`);
        }
        const charges: Charge[] = [
            { what: "Application Load Balancer", kind: "fixed", usd: ctx.p("alb.hour") * H, basis: `${per("alb.hour", ctx)} x ${H} h`, prices: ["alb.hour"] },
            {
                what: "Load balancer capacity units",
                kind: "usage",
                usd: ctx.usage.albLcu * ctx.p("alb.lcu") * H,
                basis: `${ctx.usage.albLcu} LCU x ${per("alb.lcu", ctx)} x ${H} h`,
                usage: `${ctx.usage.albLcu} LCU on average`,
                prices: ["alb.lcu"],
            },
        ];
        if (r.inputs.internal !== true) {
            // An internet-facing ALB holds a public IPv4 address in each zone it spans.
            const n = ctx.zones;
            charges.push({ what: `Load balancer public IPv4 (${n})`, kind: "fixed", usd: n * ctx.p("ipv4.hour") * H, basis: `${n} x ${per("ipv4.hour", ctx)} x ${H} h`, prices: ["ipv4.hour"] });
            charges.push(egress(ctx, "aws.egress.gb"));
        }
        return charges;
    },
    "aws:ecs/service:Service": (r, ctx) => fargateTasks(r, ctx),
    "aws:rds/instance:Instance": (r, ctx) => {
        const cls = String(r.inputs.instanceClass);
        const id = `rds.${cls}` as PriceId;
        if (!(id in PRICES)) {
            throw new MissingPrice(`RDS instance class ${cls} is not in the table`);
        }
        const multiAz = r.inputs.multiAz === true;
        const factor = multiAz ? RDS_MULTI_AZ_FACTOR.factor : 1;
        const gb = num(r.inputs.allocatedStorage, 20);
        const charges: Charge[] = [
            { what: `RDS ${cls}${multiAz ? " Multi-AZ" : ""}`, kind: "fixed", usd: factor * ctx.p(id) * H, basis: `${factor > 1 ? `${factor} x ` : ""}${per(id, ctx)} x ${H} h`, prices: [id] },
            { what: `RDS gp3 storage ${gb} GB${multiAz ? " x 2 (standby)" : ""}`, kind: "fixed", usd: factor * gb * ctx.p("rds.gp3.gb"), basis: `${factor > 1 ? `${factor} x ` : ""}${gb} GB x ${per("rds.gp3.gb", ctx)}`, prices: ["rds.gp3.gb"] },
        ];
        if (r.inputs.manageMasterUserPassword === true) {
            charges.push({ what: "RDS-managed password secret", kind: "fixed", usd: ctx.p("secretsmanager.secret"), basis: `1 x ${per("secretsmanager.secret", ctx)}`, prices: ["secretsmanager.secret"] });
        }
        return charges;
    },
    "aws:elasticache/replicationGroup:ReplicationGroup": (r, ctx) => {
        const nodeType = String(r.inputs.nodeType);
        const valkey = r.inputs.engine === "valkey";
        const id = `elasticache.${valkey ? "valkey." : ""}${nodeType}` as PriceId;
        if (!(id in PRICES)) {
            throw new MissingPrice(`ElastiCache node type ${nodeType}${valkey ? " (Valkey)" : ""} is not in the table`);
        }
        const n = num(r.inputs.numCacheClusters, 1);
        return [{ what: `ElastiCache ${valkey ? "Valkey " : ""}${nodeType} x ${n}`, kind: "fixed", usd: n * ctx.p(id) * H, basis: `${n} x ${per(id, ctx)} x ${H} h`, prices: [id] }];
    },
    "aws:secretsmanager/secret:Secret": (_r, ctx) => [{ what: "Secrets Manager secret", kind: "fixed", usd: ctx.p("secretsmanager.secret"), basis: `1 x ${per("secretsmanager.secret", ctx)}`, prices: ["secretsmanager.secret"] }],
    "aws:cloudwatch/metricAlarm:MetricAlarm": (_r, ctx) => [{ what: "CloudWatch alarm", kind: "fixed", usd: ctx.p("cloudwatch.alarm"), basis: `1 x ${per("cloudwatch.alarm", ctx)}`, prices: ["cloudwatch.alarm"] }],
    "aws:cloudwatch/logGroup:LogGroup": (_r, ctx) => [
        {
            what: "Log ingestion",
            kind: "usage",
            usd: ctx.usage.logsGb * ctx.p("cloudwatch.logs.gb"),
            basis: `${ctx.usage.logsGb} GB x ${per("cloudwatch.logs.gb", ctx)} (storage, about $0.03/GB-month compressed, not counted)`,
            usage: `${ctx.usage.logsGb} GB of logs a month`,
            prices: ["cloudwatch.logs.gb"],
        },
    ],
    "aws:ecr/repository:Repository": (_r, ctx) => [registry(ctx, "ecr.gb")],
    "gcp:artifactregistry/repository:Repository": (_r, ctx) => [registry(ctx, "artifactregistry.gb")],
    "gcp:secretmanager/secretVersion:SecretVersion": (_r, ctx) => [{ what: "Secret Manager active version", kind: "fixed", usd: ctx.p("secretmanager.version"), basis: `1 x ${per("secretmanager.version", ctx)}`, prices: ["secretmanager.version"] }],
    "aws:s3/bucket:Bucket": (_r, ctx) => [
        { what: "S3 storage", kind: "usage", usd: ctx.usage.bucketGb * ctx.p("s3.gb"), basis: `${ctx.usage.bucketGb} GB x ${per("s3.gb", ctx)} (requests not counted)`, usage: `${ctx.usage.bucketGb} GB kept (e.g. load balancer access logs)`, prices: ["s3.gb"] },
    ],
    "gcp:logging/projectBucketConfig:ProjectBucketConfig": (r, ctx) => {
        const days = num(r.inputs.retentionDays, 30);
        const charges: Charge[] = [
            { what: "Cloud Logging storage", kind: "usage", usd: ctx.usage.logsGb * ctx.p("logging.gb"), basis: `${ctx.usage.logsGb} GiB x ${per("logging.gb", ctx)}`, usage: `${ctx.usage.logsGb} GiB of logs a month`, prices: ["logging.gb"] },
        ];
        if (days > 30) {
            // In steady state a month's logs are kept (days - 30) / 30 months beyond the included 30 days.
            const months = (days - 30) / 30;
            charges.push({
                what: `Cloud Logging retention (${days} days)`,
                kind: "usage",
                usd: ctx.usage.logsGb * months * ctx.p("logging.retention.gb"),
                basis: `${ctx.usage.logsGb} GiB x ${months.toFixed(1)} months x ${per("logging.retention.gb", ctx)}`,
                usage: `${ctx.usage.logsGb} GiB of logs a month`,
                prices: ["logging.retention.gb"],
            });
        }
        return charges;
    },
    "gcp:cloudrunv2/workerPool:WorkerPool": (r, ctx) => {
        const template = (r.inputs.template ?? {}) as { containers?: Array<{ resources?: { limits?: { cpu?: unknown; memory?: unknown } } }> };
        const { vcpu, gib } = cloudRunSize(template.containers?.[0]?.resources?.limits);
        const n = num((r.inputs.scaling as { manualInstanceCount?: unknown } | undefined)?.manualInstanceCount, 1);
        // "With manual scaling, all the instances that you requested are billed as active instances, even if they happen to
        // be idle" (https://docs.cloud.google.com/run/docs/configuring/workerpools/manual-scaling): all month, at the
        // instance-based rates (the rate itself is not verified for worker pools).
        return [
            {
                what: `Cloud Run worker pool instances (${n})`,
                kind: "fixed",
                usd: n * SECONDS_PER_MONTH * (vcpu * ctx.p("run.instance.vcpu") + gib * ctx.p("run.instance.gib")),
                basis: `${n} x ${SECONDS_PER_MONTH} s x (${vcpu} vCPU x ${per("run.instance.vcpu", ctx)} + ${gib} GiB x ${per("run.instance.gib", ctx)})`,
                prices: ["run.instance.vcpu", "run.instance.gib"],
            },
        ];
    },
    "gcp:cloudrunv2/job:Job": (r, ctx) => {
        const template = (r.inputs.template ?? {}) as { taskCount?: unknown; template?: { containers?: Array<{ resources?: { limits?: { cpu?: unknown; memory?: unknown } } }> } };
        const { vcpu, gib } = cloudRunSize(template.template?.containers?.[0]?.resources?.limits);
        const seconds = ctx.usage.jobRuns * num(template.taskCount, 1) * ctx.usage.jobSeconds;
        return [
            {
                what: "Cloud Run job executions",
                kind: "usage",
                usd: seconds * (vcpu * ctx.p("run.instance.vcpu") + gib * ctx.p("run.instance.gib")),
                basis: `${seconds} s x (${vcpu} vCPU x ${per("run.instance.vcpu", ctx)} + ${gib} GiB x ${per("run.instance.gib", ctx)})`,
                usage: `${ctx.usage.jobRuns} runs a month of ${ctx.usage.jobSeconds} s`,
                prices: ["run.instance.vcpu", "run.instance.gib"],
            },
        ];
    },
    "gcp:cloudscheduler/job:Job": (_r, ctx) => [{ what: "Cloud Scheduler job", kind: "fixed", usd: ctx.p("cloudscheduler.job"), basis: `1 x ${per("cloudscheduler.job", ctx)}`, prices: ["cloudscheduler.job"] }],
    "aws:sqs/queue:Queue": (_r, ctx) => {
        const requests = ctx.usage.jobRuns * 10;
        return [{ what: "SQS requests", kind: "usage", usd: (requests / 1e6) * ctx.p("sqs.requests"), basis: `${requests / 1e6} M x ${per("sqs.requests", ctx)}`, usage: `${requests} requests a month (a dead-letter queue mostly polled by nobody)`, prices: ["sqs.requests"] }];
    },
    "aws:scheduler/schedule:Schedule": (r, ctx) => {
        const charges: Charge[] = [
            {
                what: "EventBridge Scheduler invocations",
                kind: "usage",
                usd: (ctx.usage.jobRuns / 1e6) * ctx.p("scheduler.invocations"),
                basis: `${ctx.usage.jobRuns / 1e6} M x ${per("scheduler.invocations", ctx)}`,
                usage: `${ctx.usage.jobRuns} runs a month`,
                prices: ["scheduler.invocations"],
            },
        ];
        const ecs = (r.inputs.target as { ecsParameters?: { taskDefinitionArn?: unknown; taskCount?: unknown } } | undefined)?.ecsParameters;
        if (ecs !== undefined) {
            charges.push(fargateRuns(ctx, ecs.taskDefinitionArn, ctx.usage.jobRuns * num(ecs.taskCount, 1), "Scheduled Fargate task runs"));
        }
        return charges;
    },
    "pulumi-nodejs:dynamic/ecs:ReleaseRun": (r, ctx) => [fargateRuns(ctx, r.inputs.taskDefinitionArn, ctx.usage.jobRuns, "Release task runs (one per deploy)")],
    "aws:elasticbeanstalk/environment:Environment": (r, ctx) => beanstalk(r, ctx),
    "aws:cloudwatch/dashboard:Dashboard": (_r, ctx) => [{ what: "CloudWatch dashboard", kind: "fixed", usd: ctx.p("cloudwatch.dashboard"), basis: `1 x ${per("cloudwatch.dashboard", ctx)}`, prices: ["cloudwatch.dashboard"] }],
    "gcp:monitoring/alertPolicy:AlertPolicy": (r, ctx) => {
        const n = Array.isArray(r.inputs.conditions) ? r.inputs.conditions.length : 1;
        // One time series per condition, evaluated every minute (the shortest common period).
        const series = n * 43_800;
        return [
            { what: `Alerting conditions (${n})`, kind: "fixed", usd: n * ctx.p("monitoring.condition"), basis: `${n} x ${per("monitoring.condition", ctx)}`, prices: ["monitoring.condition"] },
            {
                what: "Alerting time series",
                kind: "usage",
                usd: (series / 1e6) * ctx.p("monitoring.series"),
                basis: `${series / 1e6} M x ${per("monitoring.series", ctx)}`,
                usage: "1 time series per condition, evaluated every minute",
                prices: ["monitoring.series"],
            },
        ];
    },
    "gcp:cloudrunv2/service:Service": (r, ctx) => cloudRun(r, ctx),
    "gcp:sql/databaseInstance:DatabaseInstance": (r, ctx) => cloudSql(r, ctx),
    "gcp:redis/instance:Instance": (r, ctx) => {
        const tier = String(r.inputs.tier ?? "BASIC");
        const id: PriceId = tier === "STANDARD_HA" ? "redis.standard.gb" : "redis.basic.gb";
        const gb = num(r.inputs.memorySizeGb, 1);
        if (gb > 4) {
            throw new MissingPrice(`Memorystore capacity ${gb} GB: the table holds the 1-4 GB tier only`);
        }
        return [{ what: `Memorystore ${tier} ${gb} GB`, kind: "fixed", usd: gb * ctx.p(id) * H, basis: `${gb} GB x ${per(id, ctx)} x ${H} h`, prices: [id] }];
    },
};

/** Charges the table cannot price, named for the reader even though the resource itself is priced. */
const UNPRICED_EXTRAS: Record<string, (r: Resource) => string | undefined> = {
    "aws:ecs/cluster:Cluster": (r) =>
        JSON.stringify(r.inputs.settings ?? []).includes("containerInsights")
            ? "Container Insights: CloudWatch metrics and performance log events per task and service, priced by CloudWatch (https://aws.amazon.com/cloudwatch/pricing/); grows with the task count"
            : undefined,
    "aws:elasticache/replicationGroup:ReplicationGroup": (r) =>
        num(r.inputs.snapshotRetentionLimit, 0) > 0 ? "snapshot storage beyond the free allowance (https://aws.amazon.com/elasticache/pricing/)" : undefined,
    "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig": () =>
        "uptime check executions beyond Cloud Monitoring's monthly free allotment (https://cloud.google.com/stackdriver/pricing); the price is not in the table",
    "pulumiservice:index:DeploymentSettings": () => "Pulumi Deployments minutes are billed by Pulumi Cloud (https://www.pulumi.com/pricing/), not a cloud provider",
};

function egress(ctx: Context, id: PriceId): Charge {
    return { what: "Data out to the internet", kind: "usage", usd: ctx.usage.egressGb * ctx.p(id), basis: `${ctx.usage.egressGb} GB x ${per(id, ctx)}`, usage: `${ctx.usage.egressGb} GB a month`, prices: [id] };
}

function registry(ctx: Context, id: PriceId): Charge {
    return { what: "Image storage", kind: "usage", usd: ctx.usage.imageGb * ctx.p(id), basis: `${ctx.usage.imageGb} GB x ${per(id, ctx)}`, usage: `${ctx.usage.imageGb} GB of images kept`, prices: [id] };
}

/** How a service's tasks split between on-demand Fargate and Fargate Spot, by its capacity provider strategy. */
export function spotSplit(tasks: number, strategy: unknown): { onDemand: number; spot: number } {
    if (!Array.isArray(strategy) || strategy.length === 0) {
        return { onDemand: tasks, spot: 0 };
    }
    const entries = strategy as Array<{ capacityProvider?: string; weight?: number; base?: number }>;
    let remaining = tasks;
    let onDemand = 0;
    let spot = 0;
    for (const e of entries) {
        const base = Math.min(remaining, num(e.base, 0));
        remaining -= base;
        if (e.capacityProvider === "FARGATE_SPOT") spot += base;
        else onDemand += base;
    }
    const weights = entries.reduce((s, e) => s + num(e.weight, 0), 0);
    if (remaining > 0 && weights > 0) {
        const spotWeight = entries.filter((e) => e.capacityProvider === "FARGATE_SPOT").reduce((s, e) => s + num(e.weight, 0), 0);
        // ECS places tasks one at a time by weight; over the whole count that rounds the Spot share down.
        const s = Math.floor((remaining * spotWeight) / weights);
        spot += s;
        onDemand += remaining - s;
    } else {
        onDemand += remaining;
    }
    return { onDemand, spot };
}

/** The task definition a `<computed:NAME.arn>` reference names; its size and architecture price the task. */
function taskSize(ctx: Context, ref: unknown): { vcpu: number; gb: number; ids: [PriceId, PriceId]; arch: string } {
    const defs = ctx.resources.filter((x) => x.type === "aws:ecs/taskDefinition:TaskDefinition");
    const def = defs.find((d) => String(ref ?? "").includes(`<computed:${d.name}.`)) ?? (defs.length === 1 ? defs[0] : undefined);
    if (def === undefined) {
        throw new MissingPrice("its task definition is not in the render, so its size is unknown");
    }
    const arm = (def.inputs.runtimePlatform as { cpuArchitecture?: string } | undefined)?.cpuArchitecture === "ARM64";
    return { vcpu: num(def.inputs.cpu, 256) / 1024, gb: num(def.inputs.memory, 512) / 1024, ids: arm ? ["fargate.arm.vcpu", "fargate.arm.gb"] : ["fargate.x86.vcpu", "fargate.x86.gb"], arch: arm ? "arm64" : "x86" };
}

/** Short-lived Fargate tasks (scheduled jobs, release runs), billed per second of their run. */
function fargateRuns(ctx: Context, ref: unknown, runs: number, what: string): Charge {
    const { vcpu, gb, ids } = taskSize(ctx, ref);
    const hours = (runs * ctx.usage.jobSeconds) / 3600;
    return {
        what,
        kind: "usage",
        usd: hours * (vcpu * ctx.p(ids[0]) + gb * ctx.p(ids[1])),
        basis: `${Number(hours.toFixed(3))} h x (${vcpu} vCPU x ${per(ids[0], ctx)} + ${gb} GB x ${per(ids[1], ctx)})`,
        usage: `${runs} runs a month of ${ctx.usage.jobSeconds} s`,
        prices: ids,
    };
}

function fargateTasks(r: Resource, ctx: Context): Charge[] {
    const tasks = num(r.inputs.desiredCount, 1);
    const { vcpu, gb, ids, arch } = taskSize(ctx, r.inputs.taskDefinition);
    const [cpuId, gbId] = ids;
    const perTask = vcpu * ctx.p(cpuId) + gb * ctx.p(gbId);
    const size = `${vcpu} vCPU x ${per(cpuId, ctx)} + ${gb} GB x ${per(gbId, ctx)}`;
    const { onDemand, spot } = spotSplit(tasks, r.inputs.capacityProviderStrategies);
    const charges: Charge[] = [];
    if (onDemand > 0) {
        charges.push({ what: `Fargate tasks, ${arch} (${onDemand} at the minimum count)`, kind: "fixed", usd: onDemand * perTask * H, basis: `${onDemand} x (${size}) x ${H} h`, prices: [cpuId, gbId] });
    }
    if (spot > 0) {
        const f = 1 - FARGATE_SPOT_DISCOUNT.fraction;
        charges.push({
            what: `Fargate Spot tasks, ${arch} (${spot})`,
            kind: "usage",
            usd: spot * perTask * f * H,
            basis: `${spot} x (${size}) x ${f.toFixed(2)} x ${H} h`,
            usage: `Spot price assumed ${FARGATE_SPOT_DISCOUNT.fraction * 100}% below on-demand (AWS: "up to 70%"; it varies)`,
            prices: [cpuId, gbId],
        });
    }
    if ((r.inputs.networkConfiguration as { assignPublicIp?: boolean } | undefined)?.assignPublicIp === true) {
        charges.push({ what: `Task public IPv4 (${tasks})`, kind: "fixed", usd: tasks * ctx.p("ipv4.hour") * H, basis: `${tasks} x ${per("ipv4.hour", ctx)} x ${H} h`, prices: ["ipv4.hour"] });
    }
    return charges;
}

/** Beanstalk launches instances and (load-balanced) an ALB of its own, none of them visible offline: priced from the environment's option settings. */
function beanstalk(r: Resource, ctx: Context): Charge[] {
    const settings = Array.isArray(r.inputs.settings) ? (r.inputs.settings as Array<{ namespace?: string; name?: string; value?: unknown }>) : [];
    const opt = (name: string): string | undefined => {
        const v = settings.find((o) => o.name === name)?.value;
        return v === undefined ? undefined : String(v);
    };
    const type = (opt("InstanceTypes") ?? opt("InstanceType") ?? "t3.micro").split(",")[0].trim();
    const id = `ec2.${type}` as PriceId;
    if (!(id in PRICES)) {
        throw new MissingPrice(`EC2 instance type ${type} is not in the table`);
    }
    const n = num(opt("MinSize"), 1);
    // Without RootVolumeSize the platform's AMI decides; 8 GB is assumed (not verified) and the basis says so.
    const rootGb = num(opt("RootVolumeSize"), 8);
    const rootNote = opt("RootVolumeSize") === undefined ? " (size assumed: RootVolumeSize is unset)" : "";
    const charges: Charge[] = [
        { what: `Beanstalk instances ${type} (${n} at the minimum count)`, kind: "fixed", usd: n * ctx.p(id) * H, basis: `${n} x ${per(id, ctx)} x ${H} h`, prices: [id] },
        { what: `Instance root volumes (${n} x ${rootGb} GB gp3)`, kind: "fixed", usd: n * rootGb * ctx.p("ebs.gp3.gb"), basis: `${n} x ${rootGb} GB x ${per("ebs.gp3.gb", ctx)}${rootNote}`, prices: ["ebs.gp3.gb"] },
    ];
    if (opt("AssociatePublicIpAddress") === "true") {
        charges.push({ what: `Instance public IPv4 (${n})`, kind: "fixed", usd: n * ctx.p("ipv4.hour") * H, basis: `${n} x ${per("ipv4.hour", ctx)} x ${H} h`, prices: ["ipv4.hour"] });
    }
    if (opt("EnvironmentType") !== "SingleInstance" && (opt("LoadBalancerType") ?? "application") === "application") {
        const lb: Resource = { type: "aws:lb/loadBalancer:LoadBalancer", name: r.name, inputs: { loadBalancerType: "application", internal: opt("ELBScheme") === "internal" } };
        charges.push(...PRICERS["aws:lb/loadBalancer:LoadBalancer"](lb, ctx).map((c) => ({ ...c, what: `${c.what} (Beanstalk's)` })));
    }
    return charges;
}

/** Cloud Run CPU ("1", "500m") in vCPU and memory ("512Mi", "2Gi") in GiB. */
export function cloudRunSize(limits: { cpu?: unknown; memory?: unknown } | undefined): { vcpu: number; gib: number } {
    const cpu = String(limits?.cpu ?? "1");
    const mem = String(limits?.memory ?? "512Mi");
    const vcpu = cpu.endsWith("m") ? Number(cpu.slice(0, -1)) / 1000 : Number(cpu);
    const m = /^(\d+(?:\.\d+)?)(Mi|Gi|M|G)$/.exec(mem);
    const gib = m ? (Number(m[1]) * (m[2].startsWith("G") ? 1024 : 1)) / 1024 : 0.5;
    return { vcpu, gib };
}

function cloudRun(r: Resource, ctx: Context): Charge[] {
    const template = (r.inputs.template ?? {}) as { containers?: Array<{ resources?: { cpuIdle?: boolean; limits?: { cpu?: unknown; memory?: unknown } } }>; scaling?: { minInstanceCount?: number } };
    const res = template.containers?.[0]?.resources;
    const { vcpu, gib } = cloudRunSize(res?.limits);
    const min = num(template.scaling?.minInstanceCount, 0);
    const requestBased = res?.cpuIdle !== false;
    const u = ctx.usage;
    // Without overlap between requests (a conservative reading at low traffic), billable instance time = requests x mean response time.
    const activeSeconds = u.requests * u.meanResponseSeconds;
    const traffic = `${u.requests.toLocaleString("en-US")} requests a month at ${u.meanResponseSeconds} s each = ${activeSeconds.toLocaleString("en-US")} instance-seconds`;
    const charges: Charge[] = [];
    if (requestBased) {
        charges.push(
            { what: "Cloud Run CPU (request-based)", kind: "usage", usd: activeSeconds * vcpu * ctx.p("run.request.vcpu"), basis: `${activeSeconds} s x ${vcpu} vCPU x ${per("run.request.vcpu", ctx)}`, usage: traffic, prices: ["run.request.vcpu"] },
            { what: "Cloud Run memory (request-based)", kind: "usage", usd: activeSeconds * gib * ctx.p("run.request.gib"), basis: `${activeSeconds} s x ${gib} GiB x ${per("run.request.gib", ctx)}`, usage: traffic, prices: ["run.request.gib"] },
            { what: "Cloud Run requests", kind: "usage", usd: (u.requests / 1e6) * ctx.p("run.requests"), basis: `${u.requests / 1e6} M x ${per("run.requests", ctx)}`, usage: `${u.requests.toLocaleString("en-US")} requests a month`, prices: ["run.requests"] },
        );
        if (min > 0) {
            const idle = min * SECONDS_PER_MONTH;
            charges.push({
                what: `Cloud Run idle minimum instances (${min})`,
                kind: "fixed",
                usd: idle * (vcpu * ctx.p("run.idle.vcpu") + gib * ctx.p("run.idle.gib")),
                basis: `${min} x ${SECONDS_PER_MONTH} s x (${vcpu} vCPU x ${per("run.idle.vcpu", ctx)} + ${gib} GiB x ${per("run.idle.gib", ctx)})`,
                prices: ["run.idle.vcpu", "run.idle.gib"],
            });
        }
    } else {
        const always = min * SECONDS_PER_MONTH;
        if (min > 0) {
            charges.push({
                what: `Cloud Run instances, CPU always allocated (${min})`,
                kind: "fixed",
                usd: always * (vcpu * ctx.p("run.instance.vcpu") + gib * ctx.p("run.instance.gib")),
                basis: `${min} x ${SECONDS_PER_MONTH} s x (${vcpu} vCPU x ${per("run.instance.vcpu", ctx)} + ${gib} GiB x ${per("run.instance.gib", ctx)})`,
                prices: ["run.instance.vcpu", "run.instance.gib"],
            });
        } else {
            charges.push({
                what: "Cloud Run instances, CPU always allocated",
                kind: "usage",
                usd: activeSeconds * (vcpu * ctx.p("run.instance.vcpu") + gib * ctx.p("run.instance.gib")),
                basis: `${activeSeconds} s x (${vcpu} vCPU x ${per("run.instance.vcpu", ctx)} + ${gib} GiB x ${per("run.instance.gib", ctx)})`,
                usage: `${traffic} (an instance stays up about 15 minutes after its last request: more in practice)`,
                prices: ["run.instance.vcpu", "run.instance.gib"],
            });
        }
    }
    if (r.inputs.ingress === "INGRESS_TRAFFIC_ALL") {
        charges.push(egress(ctx, "gcp.egress.gb"));
    }
    return charges;
}

function cloudSql(r: Resource, ctx: Context): Charge[] {
    const settings = (r.inputs.settings ?? {}) as { tier?: string; availabilityType?: string; diskSize?: number };
    const tier = String(settings.tier);
    const ha = settings.availabilityType === "REGIONAL";
    const factor = ha ? CLOUD_SQL_HA_FACTOR.factor : 1;
    const x = factor > 1 ? `${factor} x ` : "";
    const charges: Charge[] = [];
    const shared = `sql.${tier}` as PriceId;
    const custom = /^db-custom-(\d+)-(\d+)$/.exec(tier);
    if (shared in PRICES) {
        charges.push({ what: `Cloud SQL ${tier}${ha ? " REGIONAL" : ""}`, kind: "fixed", usd: factor * ctx.p(shared) * H, basis: `${x}${per(shared, ctx)} x ${H} h`, prices: [shared] });
    } else if (custom) {
        const cpus = Number(custom[1]);
        const gb = Number(custom[2]) / 1024;
        charges.push({
            what: `Cloud SQL ${tier}${ha ? " REGIONAL" : ""}`,
            kind: "fixed",
            usd: factor * (cpus * ctx.p("sql.vcpu") + gb * ctx.p("sql.memory")) * H,
            basis: `${x}(${cpus} vCPU x ${per("sql.vcpu", ctx)} + ${gb} GB x ${per("sql.memory", ctx)}) x ${H} h`,
            prices: ["sql.vcpu", "sql.memory"],
        });
    } else {
        throw new MissingPrice(`Cloud SQL tier ${tier} is not in the table`);
    }
    const disk = num(settings.diskSize, 10);
    charges.push(
        { what: `Cloud SQL SSD ${disk} GB${ha ? " x 2 (standby)" : ""}`, kind: "fixed", usd: factor * disk * ctx.p("sql.ssd.gb"), basis: `${x}${disk} GB x ${per("sql.ssd.gb", ctx)}`, prices: ["sql.ssd.gb"] },
        { what: "Cloud SQL backups", kind: "usage", usd: ctx.usage.backupGb * ctx.p("sql.backup.gb"), basis: `${ctx.usage.backupGb} GB x ${per("sql.backup.gb", ctx)}`, usage: `${ctx.usage.backupGb} GB of backups and logs`, prices: ["sql.backup.gb"] },
    );
    return charges;
}

const round = (n: number): number => Math.round(n * 100) / 100;

function regionOf(settings: unknown): { cloud: string; region: string } {
    const s = (settings ?? {}) as { cloud?: string; aws?: { region?: string }; gcp?: { region?: string } };
    const cloud = s.cloud ?? "unknown";
    return { cloud, region: (cloud === "aws" ? s.aws?.region : s.gcp?.region) ?? "unknown" };
}

/** The monthly estimate of a render. Pure: the same render and usage give the same figures. */
export function estimateCost(input: CostInput, usage: UsageAssumptions = DEFAULT_USAGE): CostEstimate {
    const resources = input.resources ?? [];
    const { cloud, region } = regionOf(input.settings);
    const vpc = resources.find((r) => r.type === "awsx:ec2:Vpc");
    const ctx: Context = {
        region,
        usage,
        resources,
        zones: vpc ? vpcZones(vpc.inputs) : 2,
        p(id) {
            const v = price(id, region);
            if (v === undefined) {
                throw new MissingPrice(`no price for region ${region} (analysis/prices.ts covers ${Object.keys((PRICES[id] as PriceEntry).byRegion).join(", ")})`);
            }
            return v;
        },
    };
    const items: CostItem[] = [];
    const unpriced: UnpricedItem[] = [];
    const free: Array<{ type: string; name: string }> = [];
    for (const r of resources) {
        const extra = UNPRICED_EXTRAS[r.type]?.(r);
        if (extra !== undefined) {
            unpriced.push({ type: r.type, name: r.name, reason: extra });
        }
        const pricer = PRICERS[r.type];
        if (pricer === undefined) {
            if (FREE_TYPES.has(r.type) || r.type === "aws:ecs/cluster:Cluster") {
                free.push({ type: r.type, name: r.name });
            } else if (!r.type.startsWith("flask-multicloud:") && extra === undefined) {
                // Our own components only group their children; anything else unknown is named, not counted as $0.
                unpriced.push({ type: r.type, name: r.name, reason: "no price for this resource type in analysis/prices.ts" });
            }
            continue;
        }
        let charges: Charge[];
        try {
            charges = pricer(r, ctx);
        } catch (e) {
            if (e instanceof MissingPrice) {
                unpriced.push({ type: r.type, name: r.name, reason: e.message });
                continue;
            }
            throw e;
        }
        for (const c of charges) {
            const entries = c.prices.map((id) => PRICES[id] as PriceEntry);
            const freeTiers = c.prices.filter((id) => (PRICES[id] as PriceEntry).freeTier !== undefined).map((id) => `${id}: ${(PRICES[id] as PriceEntry).freeTier}`);
            items.push({
                type: r.type,
                name: r.name,
                what: c.what,
                kind: c.kind,
                monthlyUsd: round(c.usd),
                basis: c.basis,
                ...(c.usage !== undefined ? { usage: c.usage } : {}),
                prices: c.prices,
                verified: entries.every((e) => e.seen !== undefined),
                ...(freeTiers.length > 0 ? { freeTiers } : {}),
            });
        }
    }
    const sum = (kind?: CostKind): number => round(items.filter((i) => kind === undefined || i.kind === kind).reduce((s, i) => s + i.monthlyUsd, 0));
    const notes = [
        `Fixed: hourly prices x ${H} h, or per provisioned unit a month, at the minimum task/instance count; autoscaling above it adds the same per-task price.`,
        "Usage-priced items are at the stated assumptions; free tiers are listed, not subtracted.",
        ...(vpc ? ["NAT gateways are priced from the awsx VPC's inputs (its child resources are invisible in an offline render)."] : []),
    ];
    return { currency: "USD", cloud, region, hoursPerMonth: H, monthlyTotal: sum(), monthlyFixed: sum("fixed"), monthlyUsage: sum("usage"), items, unpriced, free, usage, notes };
}

const money = (n: number): string => `$${n.toFixed(2)}`;

/** The breakdown for people: fixed items, usage items with their assumptions, what is not priced, the total. */
export function formatCost(c: CostEstimate): string {
    const lines: string[] = [`Estimated monthly cost (${c.currency}, ${c.cloud} ${c.region}, on-demand list prices, ${c.hoursPerMonth} h a month):`];
    const row = (i: CostItem): string => `  ${money(i.monthlyUsd).padStart(9)}  ${i.what}  [${i.name}]${i.verified ? "" : "  (price not verified)"}\n             ${i.basis}${i.usage ? `\n             assumes ${i.usage}` : ""}`;
    lines.push("", `Fixed (${money(c.monthlyFixed)}):`, ...c.items.filter((i) => i.kind === "fixed").map(row));
    lines.push("", `Usage-priced (${money(c.monthlyUsage)}):`, ...c.items.filter((i) => i.kind === "usage").map(row));
    if (c.unpriced.length > 0) {
        lines.push("", "Not priced (left out of the total):", ...c.unpriced.map((u) => `  - ${u.type}  ${u.name}: ${u.reason}`));
    }
    const tiers = [...new Set(c.items.flatMap((i) => i.freeTiers ?? []))];
    if (tiers.length > 0) {
        lines.push("", "Free tiers (not subtracted):", ...tiers.map((t) => `  - ${t}`));
    }
    lines.push("", ...c.notes.map((n) => `Note: ${n}`));
    lines.push("", `Total: ${money(c.monthlyTotal)} a month (fixed ${money(c.monthlyFixed)} + usage ${money(c.monthlyUsage)})${c.unpriced.length > 0 ? `, plus ${c.unpriced.length} item(s) not priced` : ""}`);
    return lines.join("\n");
}
