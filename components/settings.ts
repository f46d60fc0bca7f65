// Stack settings: every default, every rule, and the one pure function that
// turns raw config strings into a typed, validated `Settings` object. Invalid
// input is reported all at once, before any resource is declared.
import { RunError } from "@pulumi/pulumi/errors";
import { AWS_REGIONS, GCP_REGIONS, cacheNodeTypeProblem, cloudSqlTierProblem, looksLikePlaceholderProject, nearest, rdsInstanceClassProblem } from "./cloudCatalog";
import { imageRefProblem } from "./imageRef";
import { ProcessSettings, ScheduleSettings, parseProcesses, parseSchedules } from "./processSettings";
import { Cloud, SIZE_NAMES, SizeName, beanstalkSizeProblems, resolveSize, sizeProblems } from "./sizing";

export type NatGateways = "perAz" | "single" | "none";
/** ElastiCache engines the cache may run. */
export type CacheEngine = "redis" | "valkey";
/** CPU architecture of the tasks and the image build. */
export type Architecture = "x86_64" | "arm64";
/** What runs the container on AWS: ECS Fargate tasks, or EC2 instances managed by Elastic Beanstalk. */
export type Platform = "fargate" | "beanstalk";
export type Ingress = "all" | "internal" | "internal-and-cloud-load-balancing";

/**
 * A secret setting's value. It prints as `[secret]` everywhere (logs, JSON,
 * string templates); only `reveal()` gives the value, and the program passes
 * that straight into `pulumi.secret()`.
 */
export class Redacted {
    readonly #value: string;
    constructor(value: string) {
        this.#value = value;
    }
    reveal(): string {
        return this.#value;
    }
    toString(): string {
        return "[secret]";
    }
    toJSON(): string {
        return "[secret]";
    }
    [Symbol.for("nodejs.util.inspect.custom")](): string {
        return "[secret]";
    }
}

/** Settings only the AWS target reads. */
export interface AwsSettings {
    /** `aws:region`. */
    readonly region: string;
    /** ECS Fargate or Elastic Beanstalk. @default "fargate" */
    readonly platform: Platform;
    /**
     * NAT gateways: one per availability zone (resilient), a single one (cheaper), or none: tasks
     * then run in public subnets with public IPs, admitting only the load balancer. @default "perAz"
     */
    readonly natGateways: NatGateways;
    /** Availability zones the VPC spans (2 or 3; the load balancer needs 2). @default 3 with highAvailability, else 2 */
    readonly availabilityZones: number;
    /** CPU architecture of the tasks and image: arm64 (Graviton) is about 20% cheaper on Fargate. @default "x86_64" */
    readonly architecture: Architecture;
    /** Percent of the tasks above the first on Fargate Spot (0-100); only with protect false. @default 0 */
    readonly spotShare: number;
    /** ElastiCache nodes (1 primary plus replicas, 1-6); 2 or more fail over automatically. @default 2 with highAvailability, else 1 */
    readonly cacheNodes: number;
    /** Seconds the load balancer drains a stopping task. @default 15 */
    readonly deregistrationDelay: number;
    /** ElastiCache node type when `cache` is `redis`. @default "cache.t4g.micro" */
    readonly cacheNodeType: string;
    /** ElastiCache engine: Redis OSS, or Valkey (Redis-compatible, nodes about 20% cheaper). @default "redis" */
    readonly cacheEngine: CacheEngine;
    /** Route 53 public hosted zone for `domain`. @default the domain's parent (example.com for app.example.com) */
    readonly hostedZone?: string;
}

/** Settings only the Google Cloud target reads. */
export interface GcpSettings {
    /** `gcp:project`. */
    readonly project: string;
    /** `gcp:region`. */
    readonly region: string;
    /** Cloud Run ingress. @default "all" */
    readonly ingress: Ingress;
    /** Keep CPU allocated between requests (instance-based billing). @default false */
    readonly cpuAlwaysAllocated: boolean;
    /** Cloud Run request timeout in seconds. @default 60 */
    readonly requestTimeout: number;
    /** Memorystore capacity in GB when `cache` is `redis`. @default 1 */
    readonly cacheMemoryGb: number;
}

export interface DatabaseSettings {
    readonly engine: "postgres";
    /** RDS instance class (AWS) or Cloud SQL tier (Google Cloud). */
    readonly instance: string;
    /** Allocated storage in GB. @default 20 */
    readonly storageGb: number;
}

export interface DeploymentsSettings {
    /** GitHub repository, `owner/name`. */
    readonly repository: string;
    /** Branch that deploys on push. @default "main" */
    readonly branch: string;
    /** Path filters for the push trigger. @default [] (every change) */
    readonly paths: readonly string[];
    /**
     * An existing IAM OIDC provider for Pulumi Cloud in this AWS account. AWS
     * allows one provider per issuer per account, so a second stack reuses the
     * first one's. @default none (the stack creates it)
     */
    readonly awsOidcProviderArn?: string;
}

/** The validated stack settings: what every component reads. */
export interface Settings {
    readonly cloud: Cloud;
    readonly size: SizeName;
    /** vCPU per task or instance (the preset's, or `cpu`). */
    readonly cpu: number;
    /** Memory per task or instance in MiB (the preset's, or `memory`). */
    readonly memory: number;
    readonly minInstances: number;
    readonly maxInstances: number;
    /** Requests one instance serves at once. */
    readonly concurrency: number;
    /** Autoscaling CPU target, percent. */
    readonly cpuTarget: number;
    /** Port the container listens on. */
    readonly port: number;
    readonly env: Readonly<Record<string, string>>;
    readonly secrets: Readonly<Record<string, Redacted>>;
    readonly domain?: string;
    /** Deletion protection, and no force-delete of images or data. */
    readonly protect: boolean;
    /** Multi-zone data tier (and per-AZ redundancy where the cloud offers it). */
    readonly highAvailability: boolean;
    /** Reachable from the internet. */
    readonly public: boolean;
    readonly database?: DatabaseSettings;
    readonly cache?: { readonly engine: "redis" };
    readonly deployments?: DeploymentsSettings;
    /** Address alerts are emailed to, on either cloud (an SNS subscription or a Cloud Monitoring channel). @default none */
    readonly alarmEmail?: string;
    /** A digest-pinned image built elsewhere (`repo@sha256:...`): deployed as is, nothing is built. @default none (build app/) */
    readonly image?: string;
    /** p95 request latency, milliseconds, above which the latency alert fires. @default 1000 */
    readonly latencyThresholdMs: number;
    /** Days logs are kept: CloudWatch and the access-log bucket on AWS, a Cloud Logging bucket on Google Cloud. @default 30 */
    readonly logRetentionDays: number;
    /** Sizing and scaling of the Procfile's workers, by process type; a worker without an entry gets DEFAULTS.process. @default {} */
    readonly processes: Readonly<Record<string, ProcessSettings>>;
    /** Jobs run on a cron (UTC) on the app's image, by name. @default {} */
    readonly schedules: Readonly<Record<string, ScheduleSettings>>;
    readonly aws?: AwsSettings;
    readonly gcp?: GcpSettings;
}

/** Every default, in one place. Stack files hold only what differs. */
export const DEFAULTS = {
    size: "small" as SizeName,
    minInstances: 1,
    maxInstances: 3,
    concurrency: 80,
    cpuTarget: 60,
    port: 8080,
    protect: true,
    highAvailability: true,
    public: true,
    database: "none",
    cache: "none",
    dbInstance: { aws: "db.t4g.small", gcp: "db-custom-1-3840" } as Record<Cloud, string>,
    dbStorageGb: 20,
    platform: "fargate" as Platform,
    natGateways: "perAz" as NatGateways,
    architecture: "x86_64" as Architecture,
    spotShare: 0,
    logRetentionDays: 30,
    latencyThresholdMs: 1000,
    deregistrationDelay: 15,
    cacheNodeType: "cache.t4g.micro",
    cacheEngine: "redis" as CacheEngine,
    ingress: "all" as Ingress,
    cpuAlwaysAllocated: false,
    requestTimeout: 60,
    cacheMemoryGb: 1,
    branch: "main",
    /** A worker process without a `processes` entry; also the size of scheduled jobs and the release task. */
    process: { size: "small" as SizeName, minInstances: 1, maxInstances: 2 },
    scheduleTimeoutSeconds: 600,
} as const;

/** Project keys and the cloud they apply to ("both" for every cloud). */
export const KEYS: Readonly<Record<string, Cloud | "both">> = {
    cloud: "both",
    size: "both",
    cpu: "both",
    memory: "both",
    minInstances: "both",
    maxInstances: "both",
    concurrency: "both",
    cpuTarget: "aws",
    port: "both",
    env: "both",
    secrets: "both",
    domain: "both",
    protect: "both",
    highAvailability: "both",
    public: "both",
    database: "both",
    dbInstance: "both",
    dbStorageGb: "both",
    cache: "both",
    deployments: "both",
    platform: "aws",
    natGateways: "aws",
    availabilityZones: "aws",
    architecture: "aws",
    spotShare: "aws",
    cacheNodes: "aws",
    logRetentionDays: "both",
    latencyThresholdMs: "both",
    deregistrationDelay: "aws",
    alarmEmail: "both",
    image: "both",
    hostedZone: "aws",
    cacheNodeType: "aws",
    cacheEngine: "aws",
    ingress: "gcp",
    cpuAlwaysAllocated: "gcp",
    requestTimeout: "gcp",
    cacheMemoryGb: "gcp",
    processes: "both",
    schedules: "both",
};

/** Provider keys the program reads. */
export const PROVIDER_KEYS = ["aws:region", "gcp:project", "gcp:region"] as const;

export { AWS_REGIONS, GCP_REGIONS };
/** Cloud Logging buckets keep logs 1 to 3650 days (https://cloud.google.com/logging/docs/buckets#custom-retention). */
export const GCP_LOG_RETENTION_MAX = 3650;
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** Environment names the stack sets itself; `env` and `secrets` may not use them. */
export const RESERVED_ENV = /^(PORT|APP_ENV|APP_NAME|DATABASE_URL|REDIS_URL|RELEASE_ON_START|DB_[A-Z_]+|REDIS_[A-Z_]+|K_[A-Z_]+|AWS_[A-Z_]+|ECS_[A-Z_]+|CLOUD_RUN_[A-Z_]+)$/;

/** What a stack's config looks like before validation. */
export interface RawConfig {
    /** Project-namespace values, without the namespace. Scalars as strings, structured values as JSON. */
    readonly project: Readonly<Record<string, string>>;
    /** Provider values by full key (`aws:region`). */
    readonly providers: Readonly<Record<string, string>>;
    /** Dotted paths of values that are Pulumi secrets, e.g. `secrets.API_KEY`. */
    readonly secretPaths: ReadonlySet<string>;
}

export interface Problem {
    readonly key: string;
    readonly value: unknown;
    readonly message: string;
}

/** Raised for invalid settings: a user error, so Pulumi prints the message without a stack trace. */
export class SettingsError extends RunError {
    constructor(readonly problems: readonly Problem[]) {
        super(formatProblems(problems));
        this.name = "SettingsError";
    }
}

export function formatProblems(problems: readonly Problem[]): string {
    const lines = problems.map((p) => `  - ${p.key}${p.value === undefined ? "" : ` = ${JSON.stringify(p.value)}`}: ${p.message}`);
    const noun = problems.length === 1 ? "problem" : "problems";
    return `Invalid stack settings (${problems.length} ${noun}):\n${lines.join("\n")}`;
}

export interface ParseResult {
    readonly settings: Settings;
    /** Settings that were given but mean nothing on the chosen cloud. */
    readonly warnings: readonly string[];
}

/**
 * Validates raw config and returns the settings, or throws `SettingsError`
 * listing every problem found.
 */
export function parseSettings(raw: RawConfig): ParseResult {
    const r = new Reader(raw);
    const warnings: string[] = [];

    for (const key of Object.keys(raw.project)) {
        if (!(key in KEYS)) {
            const guess = nearest(key, Object.keys(KEYS));
            r.problem(key, raw.project[key], `unknown setting${guess ? `; did you mean ${guess}?` : ""} Allowed: ${Object.keys(KEYS).join(", ")}`);
        }
    }

    const cloud = r.oneOf("cloud", ["aws", "gcp"] as const, undefined);
    if (cloud !== undefined) {
        for (const key of Object.keys(raw.project)) {
            const scope = KEYS[key];
            if (scope !== undefined && scope !== "both" && scope !== cloud && isExplicit(key, raw.project[key])) {
                warnings.push(`${key} applies only to cloud ${scope}; it is ignored on ${cloud}`);
            }
        }
    }

    const size = r.oneOf("size", SIZE_NAMES, DEFAULTS.size);
    const cpu = r.number("cpu", undefined, { min: 0.01, max: 16 });
    const memory = r.integer("memory", undefined, { min: 128, max: 122880, unit: "MiB", example: "2048 for 2 GiB" });
    const minInstances = r.integer("minInstances", DEFAULTS.minInstances, { min: 0, max: 1000 });
    const maxInstances = r.integer("maxInstances", DEFAULTS.maxInstances, { min: 1, max: 1000 });
    const concurrency = r.integer("concurrency", DEFAULTS.concurrency, { min: 1, max: 1000 });
    const cpuTarget = r.integer("cpuTarget", DEFAULTS.cpuTarget, { min: 10, max: 95 });
    const port = r.integer("port", DEFAULTS.port, { min: 1024, max: 65535, why: "the container runs as a non-root user, which cannot bind ports below 1024" });
    const env = r.envMap();
    const secrets = r.secretMap(env);
    const domain = r.hostname("domain");
    const protect = r.boolean("protect", DEFAULTS.protect);
    const highAvailability = r.boolean("highAvailability", DEFAULTS.highAvailability);
    const isPublic = r.boolean("public", DEFAULTS.public);
    const databaseKind = r.oneOf("database", ["none", "postgres"] as const, DEFAULTS.database);
    // RDS gp3 starts at 20 GB, Cloud SQL at 10 GB.
    const dbStorageGb = r.integer("dbStorageGb", DEFAULTS.dbStorageGb, { min: cloud === "gcp" ? 10 : 20, max: 16384, unit: "GB" });
    const cacheKind = r.oneOf("cache", ["none", "redis"] as const, DEFAULTS.cache);
    const deployments = r.deployments();
    const processes = r.entries("processes", (obj) => parseProcesses(obj, cloud, DEFAULTS.process));
    const schedules = r.entries("schedules", (obj) => parseSchedules(obj, DEFAULTS.scheduleTimeoutSeconds));
    const alarmEmail = r.email("alarmEmail");
    const image = r.optionalChecked("image", imageRefProblem);
    const latencyThresholdMs = r.integer("latencyThresholdMs", DEFAULTS.latencyThresholdMs, { min: 10, max: 600000 });
    const logRetentionDays = r.integerIn("logRetentionDays", LOG_RETENTION_DAYS, DEFAULTS.logRetentionDays);
    if (cloud === "gcp" && logRetentionDays !== undefined && logRetentionDays > GCP_LOG_RETENTION_MAX) {
        r.problem("logRetentionDays", logRetentionDays, `must be at most ${GCP_LOG_RETENTION_MAX} on gcp: a Cloud Logging bucket keeps logs at most that long`);
    }

    if (minInstances !== undefined && maxInstances !== undefined && minInstances > maxInstances) {
        r.problem("minInstances", minInstances, `must not exceed maxInstances (${maxInstances})`);
    }
    if (cloud === "aws" && minInstances === 0) {
        r.problem("minInstances", 0, "must be at least 1 on aws: nothing starts a stopped Fargate task when a request arrives; use cloud gcp to scale to zero");
    }

    // Checked whichever cloud is chosen, so a typo fails on gcp too.
    const platform = r.oneOf("platform", ["fargate", "beanstalk"] as const, DEFAULTS.platform);

    let aws: AwsSettings | undefined;
    let gcp: GcpSettings | undefined;
    // Both clouds' settings are read and validated whichever cloud is chosen, so a bad
    // value fails even where it has no effect; only the chosen cloud's provider keys are required.
    {
        const region = r.provider("aws:region", AWS_REGIONS, "a region of @pulumi/aws's Region list, e.g. us-east-1", cloud === "aws");
        aws = {
            region: region ?? "",
            platform: platform ?? DEFAULTS.platform,
            natGateways: r.oneOf("natGateways", ["perAz", "single", "none"] as const, DEFAULTS.natGateways) ?? DEFAULTS.natGateways,
            // Unset, the zone and cache-node counts follow highAvailability (3 and 2, else 2 and 1).
            availabilityZones: r.integer("availabilityZones", highAvailability === false ? 2 : 3, { min: 2, max: 3, why: "the load balancer needs subnets in at least 2 zones; the VPC is laid out for at most 3" }) ?? 2,
            architecture: r.oneOf("architecture", ["x86_64", "arm64"] as const, DEFAULTS.architecture) ?? DEFAULTS.architecture,
            spotShare: r.integer("spotShare", DEFAULTS.spotShare, { min: 0, max: 100, unit: "percent" }) ?? DEFAULTS.spotShare,
            cacheNodes: r.integer("cacheNodes", highAvailability === false ? 1 : 2, { min: 1, max: 6, why: "ElastiCache allows a primary and up to 5 replicas" }) ?? 1,
            deregistrationDelay: r.integer("deregistrationDelay", DEFAULTS.deregistrationDelay, { min: 0, max: 3600, unit: "seconds" }) ?? DEFAULTS.deregistrationDelay,
            cacheNodeType: r.checked("cacheNodeType", cacheNodeTypeProblem, DEFAULTS.cacheNodeType) ?? DEFAULTS.cacheNodeType,
            cacheEngine: r.oneOf("cacheEngine", ["redis", "valkey"] as const, DEFAULTS.cacheEngine) ?? DEFAULTS.cacheEngine,
            ...optional("hostedZone", r.hostname("hostedZone")),
        };
        if (aws.spotShare > 0 && protect !== false) {
            r.problem("spotShare", aws.spotShare, "needs protect false: Spot tasks can be stopped with two minutes' notice, so it is for stacks outside production; a protected stack keeps every task on-demand");
        }
        if (aws.platform === "beanstalk" && (aws.architecture !== "x86_64" || aws.spotShare > 0 || aws.natGateways === "none")) {
            const [key, value] = aws.architecture !== "x86_64" ? ["architecture", aws.architecture] : aws.spotShare > 0 ? ["spotShare", aws.spotShare] : ["natGateways", aws.natGateways];
            r.problem(key, value, "applies to platform fargate only (Elastic Beanstalk runs x86_64 on-demand instances in private subnets)");
        }
        if (cloud === "gcp" && aws.architecture === "arm64") {
            r.problem("architecture", "arm64", "cannot be arm64 on gcp: Cloud Run runs linux/amd64 images only; remove it, or use cloud aws");
        }
        if (cloud === "aws" && aws.hostedZone !== undefined && domain === undefined) {
            r.problem("hostedZone", aws.hostedZone, "has no effect without domain; set domain too, or remove hostedZone");
        } else if (aws.hostedZone !== undefined && domain !== undefined && domain !== aws.hostedZone && !domain.endsWith(`.${aws.hostedZone}`)) {
            r.problem("hostedZone", aws.hostedZone, `must be ${domain} or a parent of it, since the domain's records go in this zone`);
        }
    }
    {
        const project = r.provider("gcp:project", /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, "a project ID: 6 to 30 lowercase letters, digits or hyphens, starting with a letter", cloud === "gcp");
        const region = r.provider("gcp:region", GCP_REGIONS, "a Cloud Run region such as europe-west1 (components/cloudCatalog.ts lists them; add a new one there)", cloud === "gcp");
        if (cloud === "gcp" && project !== undefined && looksLikePlaceholderProject(project)) {
            warnings.push(`gcp:project "${project}" looks like a placeholder; set your own with: pulumi config set gcp:project <your-project-id>`);
        }
        const cpuAlwaysAllocated = r.boolean("cpuAlwaysAllocated", DEFAULTS.cpuAlwaysAllocated) ?? DEFAULTS.cpuAlwaysAllocated;
        gcp = {
            project: project ?? "",
            region: region ?? "",
            ingress: r.oneOf("ingress", ["all", "internal", "internal-and-cloud-load-balancing"] as const, DEFAULTS.ingress) ?? DEFAULTS.ingress,
            cpuAlwaysAllocated,
            requestTimeout: r.integer("requestTimeout", DEFAULTS.requestTimeout, { min: 1, max: 3600, unit: "seconds" }) ?? DEFAULTS.requestTimeout,
            cacheMemoryGb: r.integer("cacheMemoryGb", DEFAULTS.cacheMemoryGb, { min: 1, max: 300, unit: "GB" }) ?? DEFAULTS.cacheMemoryGb,
        };
        if (cloud === "gcp" && domain !== undefined && gcp.ingress !== "all") {
            // Domain-mapped requests arrive as internet traffic, which the other ingress values refuse.
            r.problem("ingress", gcp.ingress, 'must be "all" when domain is set: a Cloud Run domain mapping serves internet traffic');
        }
        if (cloud === "gcp" && cpu !== undefined && cpu < 1 && cpuAlwaysAllocated) {
            r.problem("cpuAlwaysAllocated", true, `cannot be true with fractional cpu ${cpu}: Cloud Run allocates fractional CPU only during requests`);
        }
    }
    if (cloud !== "aws") {
        aws = undefined;
    }
    if (cloud !== "gcp") {
        gcp = undefined;
    }

    let resolved = { cpu: 0, memory: 0 };
    if (cloud !== undefined && (cpu !== undefined || !raw.project.cpu) && (memory !== undefined || !raw.project.memory)) {
        // With an invalid preset (already reported), an explicit cpu/memory is still checked against the default preset.
        resolved = resolveSize(cloud, size ?? DEFAULTS.size, cpu, memory);
        const problems = cloud === "aws" && aws?.platform === "beanstalk" ? beanstalkSizeProblems(resolved) : sizeProblems(cloud, resolved, concurrency ?? DEFAULTS.concurrency);
        for (const message of problems) {
            const key = cpu !== undefined || memory !== undefined ? "cpu/memory" : "size";
            r.problem(key, cpu !== undefined || memory !== undefined ? `${resolved.cpu} vCPU / ${resolved.memory} MiB` : size, message);
        }
    }

    let database: DatabaseSettings | undefined;
    if (cloud !== undefined && databaseKind === "postgres") {
        const instance = r.checked("dbInstance", cloud === "aws" ? rdsInstanceClassProblem : cloudSqlTierProblem, DEFAULTS.dbInstance[cloud]);
        database = { engine: "postgres", instance: instance ?? DEFAULTS.dbInstance[cloud], storageGb: dbStorageGb ?? DEFAULTS.dbStorageGb };
    } else if (isExplicit("dbInstance", raw.project.dbInstance) || isExplicit("dbStorageGb", raw.project.dbStorageGb)) {
        warnings.push("dbInstance/dbStorageGb are ignored because database is none");
    }

    r.throwIfAny();

    const settings: Settings = {
        cloud: cloud!,
        size: size!,
        cpu: resolved.cpu,
        memory: resolved.memory,
        minInstances: minInstances!,
        maxInstances: maxInstances!,
        concurrency: concurrency!,
        cpuTarget: cpuTarget!,
        port: port!,
        env,
        secrets,
        ...optional("domain", domain),
        protect: protect!,
        highAvailability: highAvailability!,
        public: isPublic!,
        ...optional("database", database),
        ...(cacheKind === "redis" ? { cache: { engine: "redis" as const } } : {}),
        ...optional("deployments", deployments),
        processes,
        schedules,
        ...optional("alarmEmail", alarmEmail),
        ...optional("image", image),
        latencyThresholdMs: latencyThresholdMs!,
        logRetentionDays: logRetentionDays!,
        ...optional("aws", aws),
        ...optional("gcp", gcp),
    };
    return { settings, warnings };
}

/**
 * Whether a stack set this value rather than leaving it to the default. Pulumi
 * fills every declared setting a stack leaves out with the default from
 * Pulumi.yaml (which mirrors DEFAULTS, or is "" for "unset"), so "present" is
 * not the same as "chosen".
 */
function isExplicit(key: string, value: string | undefined): boolean {
    if (value === undefined || value === "") {
        return false;
    }
    const fallback = (DEFAULTS as Record<string, unknown>)[key];
    return fallback === undefined || typeof fallback === "object" || String(fallback) !== value;
}

/** `{ key: value }` when the value is set, `{}` otherwise, so absent settings stay absent. */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
    return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Reads one raw value at a time, collecting problems instead of throwing. */
class Reader {
    private readonly problems: Problem[] = [];
    constructor(private readonly raw: RawConfig) {}

    problem(key: string, value: unknown, message: string): void {
        this.problems.push({ key, value, message });
    }

    throwIfAny(): void {
        if (this.problems.length > 0) {
            throw new SettingsError(this.problems);
        }
    }

    private get(key: string): string | undefined {
        const v = this.raw.project[key];
        return v === undefined || v === "" ? undefined : v;
    }

    oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T | undefined): T | undefined {
        const v = this.get(key);
        if (v === undefined) {
            if (fallback === undefined) {
                this.problem(key, undefined, `is required; allowed: ${allowed.join(", ")}`);
            }
            return fallback;
        }
        if (!(allowed as readonly string[]).includes(v)) {
            this.problem(key, v, `allowed: ${allowed.join(", ")}`);
            return undefined;
        }
        return v as T;
    }

    number(key: string, fallback: number | undefined, range: { min: number; max: number }): number | undefined {
        const v = this.get(key);
        if (v === undefined) {
            return fallback;
        }
        const n = Number(v);
        if (!Number.isFinite(n) || n < range.min || n > range.max) {
            this.problem(key, v, `must be a number from ${range.min} to ${range.max}`);
            return undefined;
        }
        return n;
    }

    integer(key: string, fallback: number | undefined, range: { min: number; max: number; why?: string; unit?: string; example?: string }): number | undefined {
        const v = this.get(key);
        if (v === undefined) {
            return fallback;
        }
        const n = Number(v);
        if (!/^-?\d+$/.test(v.trim()) || n < range.min || n > range.max) {
            const unit = range.unit ? ` of ${range.unit}` : "";
            const notes = [range.why, range.example ? `e.g. ${range.example}` : undefined].filter((x) => x !== undefined);
            this.problem(key, v, `must be a whole number${unit} from ${range.min} to ${range.max}${notes.length > 0 ? ` (${notes.join("; ")})` : ""}`);
            return undefined;
        }
        return n;
    }

    /** An optional value checked by `problemOf`; undefined when unset. */
    optionalChecked(key: string, problemOf: (value: string) => string | undefined): string | undefined {
        const v = this.get(key);
        return v === undefined ? undefined : this.checked(key, problemOf, v);
    }

    /** A value checked by `problemOf`, which says what is wrong or returns undefined. */
    checked(key: string, problemOf: (value: string) => string | undefined, fallback: string): string | undefined {
        const v = this.get(key);
        if (v === undefined) {
            return fallback;
        }
        const problem = problemOf(v);
        if (problem !== undefined) {
            this.problem(key, v, problem);
            return undefined;
        }
        return v;
    }

    integerIn(key: string, allowed: readonly number[], fallback: number): number | undefined {
        const v = this.get(key);
        if (v === undefined) {
            return fallback;
        }
        const n = Number(v);
        if (!allowed.includes(n)) {
            this.problem(key, v, `allowed: ${allowed.join(", ")}`);
            return undefined;
        }
        return n;
    }

    boolean(key: string, fallback: boolean): boolean | undefined {
        const v = this.get(key);
        if (v === undefined) {
            return fallback;
        }
        if (v === "true" || v === "false") {
            return v === "true";
        }
        this.problem(key, v, "must be true or false");
        return undefined;
    }

    hostname(key: string): string | undefined {
        const v = this.get(key);
        if (v === undefined) {
            return undefined;
        }
        const label = "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?";
        if (v.length > 253 || !new RegExp(`^(${label}\\.)+[a-z]{2,63}$`).test(v)) {
            this.problem(key, v, "must be a bare lowercase host name such as app.example.com (no scheme, port, path or trailing dot)");
            return undefined;
        }
        return v;
    }

    email(key: string): string | undefined {
        const v = this.get(key);
        if (v === undefined) {
            return undefined;
        }
        if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v)) {
            this.problem(key, v, "must be an email address such as ops@example.com");
            return undefined;
        }
        return v;
    }

    /** A provider key (`aws:region`): required for the chosen cloud, validated whenever set. */
    provider(key: string, allowed: readonly string[] | RegExp, what: string, required: boolean): string | undefined {
        const v = this.raw.providers[key];
        if (v === undefined || v === "") {
            if (required) {
                this.problem(key, undefined, `is required for this cloud; set it with pulumi config set ${key} <value> (${what})`);
            }
            return undefined;
        }
        const ok = Array.isArray(allowed) ? allowed.includes(v) : (allowed as RegExp).test(v);
        if (!ok) {
            const guess = Array.isArray(allowed) ? nearest(v, allowed) : undefined;
            this.problem(key, v, `must be ${what}${guess ? `; did you mean ${guess}?` : ""}`);
            return undefined;
        }
        return v;
    }

    private object(key: string): Record<string, unknown> | undefined {
        const v = this.get(key);
        if (v === undefined) {
            return undefined;
        }
        let parsed: unknown;
        try {
            parsed = JSON.parse(v);
        } catch {
            parsed = undefined;
        }
        if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
            this.problem(key, v, "must be a map (set entries with pulumi config set --path)");
            return undefined;
        }
        return parsed as Record<string, unknown>;
    }

    private envName(path: string, name: string): boolean {
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
            this.problem(path, undefined, "is not a valid environment variable name (letters, digits and _, not starting with a digit)");
            return false;
        }
        if (RESERVED_ENV.test(name)) {
            this.problem(path, undefined, "is set by the stack itself (PORT, APP_*, DB_*, REDIS_* and platform names are reserved); choose another name");
            return false;
        }
        return true;
    }

    envMap(): Record<string, string> {
        const obj = this.object("env") ?? {};
        const out: Record<string, string> = {};
        for (const [name, value] of Object.entries(obj)) {
            const path = `env.${name}`;
            if (!this.envName(path, name)) {
                continue;
            }
            if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
                out[name] = String(value);
            } else {
                this.problem(path, value, "must be a string, number or boolean");
            }
        }
        return out;
    }

    secretMap(env: Record<string, string>): Record<string, Redacted> {
        const obj = this.object("secrets") ?? {};
        const out: Record<string, Redacted> = {};
        for (const [name, value] of Object.entries(obj)) {
            const path = `secrets.${name}`;
            if (!this.envName(path, name)) {
                continue;
            }
            if (!this.raw.secretPaths.has(path)) {
                // The value is in clear text in the stack file: never echo it back.
                this.problem(path, undefined, `is not a secret; store it encrypted with: pulumi config set --secret --path '${path}' <value>`);
                continue;
            }
            if (typeof value !== "string" || value === "") {
                this.problem(path, undefined, "must be a non-empty string");
                continue;
            }
            if (name in env) {
                this.problem(path, undefined, `is also set in env.${name}; a name is either plain or secret`);
                continue;
            }
            // Secret IDs and resource names are lowercase, so API_KEY and api_key would name one secret twice.
            const clash = [...Object.keys(env), ...Object.keys(out)].find((other) => other.toLowerCase() === name.toLowerCase());
            if (clash !== undefined) {
                this.problem(path, undefined, `differs from ${clash in env ? "env" : "secrets"}.${clash} only in case; the stack names each secret in lowercase, so choose distinct names`);
                continue;
            }
            out[name] = new Redacted(value);
        }
        return out;
    }

    /** A map setting whose entries `parse` checks (processes, schedules); {} when unset. */
    entries<T>(key: string, parse: (obj: Record<string, unknown>) => { value: Readonly<Record<string, T>>; problems: readonly Problem[] }): Readonly<Record<string, T>> {
        const { value, problems } = parse(this.object(key) ?? {});
        this.problems.push(...problems);
        return value;
    }

    deployments(): DeploymentsSettings | undefined {
        const obj = this.object("deployments");
        if (obj === undefined) {
            return undefined;
        }
        const allowed = ["repository", "branch", "paths", "awsOidcProviderArn"];
        for (const k of Object.keys(obj)) {
            if (!allowed.includes(k)) {
                this.problem(`deployments.${k}`, obj[k], `unknown field; allowed: ${allowed.join(", ")}`);
            }
        }
        const repository = obj.repository;
        const repoOk = typeof repository === "string" && /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/.test(repository);
        if (!repoOk) {
            this.problem("deployments.repository", repository, "is required: a GitHub repository as owner/name");
        }
        const branch = obj.branch ?? DEFAULTS.branch;
        const branchOk = typeof branch === "string" && /^[A-Za-z0-9._/-]+$/.test(branch) && !branch.includes("..");
        if (!branchOk) {
            this.problem("deployments.branch", branch, "must be a git branch name such as main");
        }
        let paths: string[] = [];
        const rawPaths = obj.paths;
        if (typeof rawPaths === "string") {
            paths = [rawPaths];
        } else if (Array.isArray(rawPaths) && rawPaths.every((p) => typeof p === "string" && p !== "")) {
            paths = rawPaths as string[];
        } else if (rawPaths !== undefined) {
            this.problem("deployments.paths", rawPaths, "must be a list of path filters such as [\"app/**\", \"components/**\"]");
        }
        const providerArn = obj.awsOidcProviderArn;
        const arnOk = providerArn === undefined || (typeof providerArn === "string" && /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/api\.pulumi\.com\/oidc$/.test(providerArn));
        if (!arnOk) {
            this.problem("deployments.awsOidcProviderArn", providerArn, "must be the ARN of an IAM OIDC provider for api.pulumi.com/oidc, e.g. arn:aws:iam::123456789012:oidc-provider/api.pulumi.com/oidc");
        }
        if (!repoOk || !branchOk || !arnOk) {
            return undefined;
        }
        return { repository: repository as string, branch: branch as string, paths, ...optional("awsOidcProviderArn", providerArn as string | undefined) };
    }
}
