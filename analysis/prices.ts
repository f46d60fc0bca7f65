// The price table the cost estimate reads: on-demand list prices in USD, per
// region, each with the official page it comes from, the date it was taken and
// where the figure was actually seen. Nothing here declares a resource.
//
// How to refresh: open each `source` page (AWS pages are also in the Price
// List API: `aws pricing get-products --service-code AmazonECS ...`; Google's
// in the Cloud Billing Catalog API, `services/<id>/skus`), pick the region,
// update `byRegion`, set `checked` to the day, and set `seen` to the page the
// figure was read on (or remove it: the estimate then marks the price as not
// verified). A region missing from `byRegion` is reported as not priced, never
// as $0. Then run `npm test`: tests/cost.test.ts and tests/costLevers.test.ts recompute figures the README quotes
// (What it costs); update the README where they change.

/** The regions the table covers: every region the README names. */
export const PRICED_REGIONS = { aws: ["us-east-1", "eu-west-1"], gcp: ["europe-west1", "us-central1"] } as const;

/** Hours in the month every hourly price is multiplied by (AWS and Google both bill 730 in their calculators). */
export const HOURS_PER_MONTH = 730;
/** Seconds in that month. */
export const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;

/** When the table was last compared with the sources. */
export const CHECKED = "2026-12-02";

export interface PriceEntry {
    /** What one unit is, e.g. "vCPU-hour", "GB-month", "1M requests". */
    readonly unit: string;
    /** The provider's official pricing page. */
    readonly source: string;
    /** Date the figures were taken (YYYY-MM-DD). */
    readonly checked: string;
    /**
     * The stored page (in this project's research) where the figure for the
     * first region was actually read. Absent: taken from memory of the list
     * price and NOT verified; the estimate says so next to the item.
     */
    readonly seen?: string;
    /** USD per unit, by region. */
    readonly byRegion: Readonly<Record<string, number>>;
    /** The provider's free tier for this price, stated and never subtracted. */
    readonly freeTier?: string;
}

const FARGATE = "https://aws.amazon.com/fargate/pricing/";
const VPC = "https://aws.amazon.com/vpc/pricing/";
const ELB = "https://aws.amazon.com/elasticloadbalancing/pricing/";
const RDS = "https://aws.amazon.com/rds/postgresql/pricing/";
const ELASTICACHE = "https://aws.amazon.com/elasticache/pricing/";
const CLOUD_RUN = "https://cloud.google.com/run/pricing";
const CLOUD_SQL = "https://cloud.google.com/sql/pricing";
const MEMORYSTORE = "https://cloud.google.com/memorystore/docs/redis/pricing";

const VANTAGE_FARGATE = "https://www.vantage.sh/blog/fargate-pricing";
const NAT_SEEN = "https://basavytix.com/blog/aws-nat-gateway-pricing";
const RDS_SEEN = "https://infratally.com/articles/aws-rds-pricing-explained-2026.html";

const both = (usd: number): Record<string, number> => ({ "us-east-1": usd, "eu-west-1": usd });
const gcpBoth = (usd: number): Record<string, number> => ({ "europe-west1": usd, "us-central1": usd });

/** Every price, by id. One entry per price; each item of the estimate names the id it used. */
export const PRICES = {
    // --- AWS -------------------------------------------------------------------------------
    "fargate.x86.vcpu": { unit: "vCPU-hour", source: FARGATE, checked: CHECKED, seen: VANTAGE_FARGATE, byRegion: both(0.04048) },
    "fargate.x86.gb": { unit: "GB-hour", source: FARGATE, checked: CHECKED, seen: VANTAGE_FARGATE, byRegion: both(0.004445) },
    "fargate.arm.vcpu": { unit: "vCPU-hour", source: FARGATE, checked: CHECKED, seen: VANTAGE_FARGATE, byRegion: both(0.03238) },
    "fargate.arm.gb": { unit: "GB-hour", source: FARGATE, checked: CHECKED, seen: VANTAGE_FARGATE, byRegion: both(0.00356) },
    "nat.hour": { unit: "NAT gateway-hour", source: VPC, checked: CHECKED, seen: NAT_SEEN, byRegion: { "us-east-1": 0.045, "eu-west-1": 0.048 } },
    "nat.gb": { unit: "GB processed", source: VPC, checked: CHECKED, seen: NAT_SEEN, byRegion: { "us-east-1": 0.045, "eu-west-1": 0.048 } },
    "ipv4.hour": {
        unit: "public IPv4 address-hour",
        source: VPC,
        checked: CHECKED,
        seen: "https://cloudburn.io/blog/aws-nat-gateway-pricing",
        byRegion: both(0.005),
        freeTier: "750 hours a month of in-use public IPv4 for 12 months on new accounts (EC2 only)",
    },
    "alb.hour": { unit: "ALB-hour", source: ELB, checked: CHECKED, seen: "https://cloud-horizons.com/blog/alb-the-line-item-nobody-watches/", byRegion: { "us-east-1": 0.0225, "eu-west-1": 0.0252 }, freeTier: "750 ALB-hours and 15 LCUs a month for 12 months on new accounts" },
    "alb.lcu": { unit: "LCU-hour", source: ELB, checked: CHECKED, seen: "https://aws.darcy-it.com/elb%E3%81%AE%E3%82%B3%E3%82%B9%E3%83%88%E6%96%99%E9%87%91/", byRegion: both(0.008) },
    // EC2 instances Elastic Beanstalk launches (Linux, on-demand; t3 is in unlimited mode: sustained CPU above baseline adds $0.05/vCPU-hour).
    "ec2.t3.micro": { unit: "instance-hour (Linux)", source: "https://aws.amazon.com/ec2/pricing/on-demand/", checked: CHECKED, byRegion: { "us-east-1": 0.0104, "eu-west-1": 0.0114 } },
    "ec2.t3.small": { unit: "instance-hour (Linux)", source: "https://aws.amazon.com/ec2/pricing/on-demand/", checked: CHECKED, byRegion: { "us-east-1": 0.0208, "eu-west-1": 0.0228 } },
    "ec2.t3.medium": { unit: "instance-hour (Linux)", source: "https://aws.amazon.com/ec2/pricing/on-demand/", checked: CHECKED, byRegion: { "us-east-1": 0.0416, "eu-west-1": 0.0456 } },
    "ec2.t3.large": { unit: "instance-hour (Linux)", source: "https://aws.amazon.com/ec2/pricing/on-demand/", checked: CHECKED, byRegion: { "us-east-1": 0.0832, "eu-west-1": 0.0912 } },
    "ec2.t3.xlarge": { unit: "instance-hour (Linux)", source: "https://aws.amazon.com/ec2/pricing/on-demand/", checked: CHECKED, byRegion: { "us-east-1": 0.1664, "eu-west-1": 0.1824 } },
    "ebs.gp3.gb": { unit: "GB-month (EBS gp3)", source: "https://aws.amazon.com/ebs/pricing/", checked: CHECKED, byRegion: { "us-east-1": 0.08, "eu-west-1": 0.088 } },
    "rds.db.t4g.micro": { unit: "Single-AZ instance-hour", source: RDS, checked: CHECKED, seen: RDS_SEEN, byRegion: { "us-east-1": 0.016, "eu-west-1": 0.018 }, freeTier: "750 hours of db.t3/t4g.micro Single-AZ a month for 12 months on new accounts" },
    "rds.db.t4g.small": { unit: "Single-AZ instance-hour", source: RDS, checked: CHECKED, seen: RDS_SEEN, byRegion: { "us-east-1": 0.032, "eu-west-1": 0.036 } },
    "rds.db.t4g.medium": { unit: "Single-AZ instance-hour", source: RDS, checked: CHECKED, seen: RDS_SEEN, byRegion: { "us-east-1": 0.065, "eu-west-1": 0.072 } },
    "rds.db.t4g.large": { unit: "Single-AZ instance-hour", source: RDS, checked: CHECKED, byRegion: { "us-east-1": 0.129, "eu-west-1": 0.145 } },
    "rds.gp3.gb": {
        unit: "GB-month (Single-AZ)",
        source: RDS,
        checked: CHECKED,
        seen: "https://www.usage.ai/blogs/aws/reserved-instances/rds/pricing-calculator/",
        byRegion: { "us-east-1": 0.115, "eu-west-1": 0.127 },
        freeTier: "backup storage up to the provisioned size is free",
    },
    "elasticache.cache.t4g.micro": { unit: "node-hour", source: ELASTICACHE, checked: CHECKED, byRegion: { "us-east-1": 0.016, "eu-west-1": 0.018 } },
    "elasticache.cache.t4g.small": { unit: "node-hour", source: ELASTICACHE, checked: CHECKED, byRegion: { "us-east-1": 0.032, "eu-west-1": 0.036 } },
    "elasticache.cache.t4g.medium": { unit: "node-hour", source: ELASTICACHE, checked: CHECKED, byRegion: { "us-east-1": 0.065, "eu-west-1": 0.073 } },
    // Valkey nodes list at 20% below Redis OSS nodes of the same type (AWS, October 2024).
    "elasticache.valkey.cache.t4g.micro": { unit: "node-hour (Valkey)", source: ELASTICACHE, checked: CHECKED, byRegion: { "us-east-1": 0.0128, "eu-west-1": 0.0144 } },
    "elasticache.valkey.cache.t4g.small": { unit: "node-hour (Valkey)", source: ELASTICACHE, checked: CHECKED, byRegion: { "us-east-1": 0.0256, "eu-west-1": 0.0288 } },
    "elasticache.valkey.cache.t4g.medium": { unit: "node-hour (Valkey)", source: ELASTICACHE, checked: CHECKED, byRegion: { "us-east-1": 0.052, "eu-west-1": 0.0584 } },
    "secretsmanager.secret": { unit: "secret-month", source: "https://aws.amazon.com/secrets-manager/pricing/", checked: CHECKED, seen: "https://hivebook.wiki/wiki/aws-secrets-manager-rotated-secrets-dynamic-db-credentials-kms", byRegion: both(0.4), freeTier: "30-day trial per secret" },
    "cloudwatch.alarm": { unit: "standard alarm-month", source: "https://aws.amazon.com/cloudwatch/pricing/", checked: CHECKED, byRegion: both(0.1), freeTier: "10 alarms a month" },
    "cloudwatch.logs.gb": { unit: "GB ingested", source: "https://aws.amazon.com/cloudwatch/pricing/", checked: CHECKED, byRegion: { "us-east-1": 0.5, "eu-west-1": 0.57 }, freeTier: "5 GB of log data a month" },
    "cloudwatch.dashboard": { unit: "dashboard-month", source: "https://aws.amazon.com/cloudwatch/pricing/", checked: CHECKED, byRegion: both(3), freeTier: "3 dashboards of up to 50 metrics each a month" },
    "s3.gb": { unit: "GB-month (S3 Standard)", source: "https://aws.amazon.com/s3/pricing/", checked: CHECKED, byRegion: both(0.023), freeTier: "5 GB for 12 months on new accounts" },
    "sqs.requests": { unit: "1M requests", source: "https://aws.amazon.com/sqs/pricing/", checked: CHECKED, byRegion: both(0.4), freeTier: "1 million requests a month" },
    "scheduler.invocations": { unit: "1M schedule invocations", source: "https://aws.amazon.com/eventbridge/pricing/", checked: CHECKED, byRegion: both(1), freeTier: "14 million invocations a month" },
    "ecr.gb": { unit: "GB-month stored", source: "https://aws.amazon.com/ecr/pricing/", checked: CHECKED, byRegion: both(0.1), freeTier: "500 MB a month for 12 months on new accounts" },
    "aws.egress.gb": { unit: "GB out to the internet", source: "https://aws.amazon.com/ec2/pricing/on-demand/", checked: CHECKED, byRegion: both(0.09), freeTier: "100 GB a month, summed over all regions" },

    // --- Google Cloud --------------------------------------------------------------------------
    "run.request.vcpu": { unit: "vCPU-second (request-based billing)", source: CLOUD_RUN, checked: CHECKED, seen: CLOUD_RUN, byRegion: gcpBoth(0.000024), freeTier: "180,000 vCPU-seconds a month per billing account" },
    "run.request.gib": { unit: "GiB-second (request-based billing)", source: CLOUD_RUN, checked: CHECKED, seen: "https://cloudwebschool.com/tools/cloud-run-cost-calculator/", byRegion: gcpBoth(0.0000025), freeTier: "360,000 GiB-seconds a month per billing account" },
    "run.requests": { unit: "1M requests", source: CLOUD_RUN, checked: CHECKED, seen: "https://cloudwebschool.com/tools/cloud-run-cost-calculator/", byRegion: gcpBoth(0.4), freeTier: "2 million requests a month per billing account" },
    "run.idle.vcpu": { unit: "idle minimum-instance vCPU-second (request-based billing)", source: CLOUD_RUN, checked: CHECKED, byRegion: gcpBoth(0.0000025) },
    "run.idle.gib": { unit: "idle minimum-instance GiB-second (request-based billing)", source: CLOUD_RUN, checked: CHECKED, byRegion: gcpBoth(0.0000025) },
    "run.instance.vcpu": { unit: "vCPU-second (instance-based billing)", source: CLOUD_RUN, checked: CHECKED, seen: CLOUD_RUN, byRegion: gcpBoth(0.000018), freeTier: "240,000 vCPU-seconds a month per billing account" },
    "run.instance.gib": { unit: "GiB-second (instance-based billing)", source: CLOUD_RUN, checked: CHECKED, byRegion: gcpBoth(0.000002), freeTier: "450,000 GiB-seconds a month per billing account" },
    "cloudscheduler.job": { unit: "job-month", source: "https://cloud.google.com/scheduler/pricing", checked: CHECKED, byRegion: gcpBoth(0.1), freeTier: "3 jobs a month per billing account" },
    "sql.db-f1-micro": { unit: "instance-hour (shared core, zonal)", source: CLOUD_SQL, checked: CHECKED, byRegion: { "us-central1": 0.0105, "europe-west1": 0.0115 } },
    "sql.db-g1-small": { unit: "instance-hour (shared core, zonal)", source: CLOUD_SQL, checked: CHECKED, byRegion: { "us-central1": 0.035, "europe-west1": 0.0385 } },
    "sql.vcpu": { unit: "vCPU-hour (Enterprise, zonal)", source: CLOUD_SQL, checked: CHECKED, seen: "https://www.usage.ai/blogs/gcp/cloud-sql/pricing/", byRegion: { "us-central1": 0.0413, "europe-west1": 0.0454 } },
    "sql.memory": { unit: "GB-hour (Enterprise, zonal)", source: CLOUD_SQL, checked: CHECKED, seen: "https://www.usage.ai/blogs/gcp/cloud-sql/pricing/", byRegion: { "us-central1": 0.007, "europe-west1": 0.0077 } },
    "sql.ssd.gb": { unit: "GB-month SSD (zonal)", source: CLOUD_SQL, checked: CHECKED, byRegion: { "us-central1": 0.17, "europe-west1": 0.187 } },
    "sql.backup.gb": { unit: "GB-month of backups", source: CLOUD_SQL, checked: CHECKED, byRegion: { "us-central1": 0.08, "europe-west1": 0.088 } },
    "redis.basic.gb": { unit: "GB-hour (Basic, 1-4 GB)", source: MEMORYSTORE, checked: CHECKED, byRegion: { "us-central1": 0.049, "europe-west1": 0.054 } },
    "redis.standard.gb": { unit: "GB-hour (Standard HA, 1-4 GB)", source: MEMORYSTORE, checked: CHECKED, byRegion: { "us-central1": 0.064, "europe-west1": 0.07 } },
    "secretmanager.version": { unit: "active secret version-month", source: "https://cloud.google.com/secret-manager/pricing", checked: CHECKED, byRegion: gcpBoth(0.06), freeTier: "6 active versions a month per billing account" },
    "monitoring.condition": {
        unit: "alerting condition-month",
        source: "https://cloud.google.com/stackdriver/pricing",
        checked: CHECKED,
        seen: "https://cloud-dot-devsite-v2-prod.appspot.com/monitoring/alerts/cost-control",
        byRegion: gcpBoth(1.5),
    },
    "monitoring.series": {
        unit: "1M time series returned",
        source: "https://cloud.google.com/stackdriver/pricing",
        checked: CHECKED,
        seen: "https://cloud-dot-devsite-v2-prod.appspot.com/monitoring/alerts/cost-control",
        byRegion: gcpBoth(0.35),
    },
    "logging.gb": {
        unit: "GiB of logs stored (includes 30 days' retention)",
        source: "https://cloud.google.com/stackdriver/pricing",
        checked: CHECKED,
        seen: "https://cloud.google.com/stackdriver/pricing",
        byRegion: gcpBoth(0.5),
        freeTier: "first 50 GiB a project a month",
    },
    "logging.retention.gb": { unit: "GiB-month kept beyond 30 days", source: "https://cloud.google.com/stackdriver/pricing", checked: CHECKED, seen: "https://cloud.google.com/stackdriver/pricing", byRegion: gcpBoth(0.01) },
    "artifactregistry.gb": { unit: "GB-month stored", source: "https://cloud.google.com/artifact-registry/pricing", checked: CHECKED, byRegion: gcpBoth(0.1), freeTier: "0.5 GB a month" },
    "gcp.egress.gb": { unit: "GB out to the internet (Premium tier)", source: "https://cloud.google.com/vpc/network-pricing", checked: CHECKED, byRegion: gcpBoth(0.12), freeTier: "1 GB a month from North America (Cloud Run)" },
} as const satisfies Record<string, PriceEntry>;

export type PriceId = keyof typeof PRICES;

/** One price in one region, or undefined when the table lacks the region. */
export function price(id: PriceId, region: string): number | undefined {
    return (PRICES[id] as PriceEntry).byRegion[region];
}

/**
 * Fargate Spot is not a list price: AWS sets it by supply and demand and
 * advertises "up to 70%" off on-demand. The estimate assumes this discount
 * and labels Spot tasks as usage-priced for that reason.
 */
export const FARGATE_SPOT_DISCOUNT = { fraction: 0.7, source: "https://aws.amazon.com/fargate/pricing/", seen: "https://www.wring.co/blog/aws-fargate-pricing-guide" } as const;

/** Multi-AZ RDS bills a standby instance and its storage: twice the Single-AZ price. */
export const RDS_MULTI_AZ_FACTOR = { factor: 2, source: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_OnDemandDBInstances.html", seen: RDS_SEEN } as const;
/** Cloud SQL REGIONAL (HA) bills CPU, memory and storage at twice the zonal price. */
export const CLOUD_SQL_HA_FACTOR = { factor: 2, source: CLOUD_SQL } as const;
