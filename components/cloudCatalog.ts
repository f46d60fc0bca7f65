// What each cloud offers, for validating settings before any resource is
// declared: regions, database and cache sizes. Pure; tested without mocks.
// When a cloud adds a region or a family, add it here (the error message
// says so).
import { Region as AwsRegion } from "@pulumi/aws/types/enums";

/** AWS regions, from the provider SDK's own list. */
export const AWS_REGIONS: readonly string[] = Object.values(AwsRegion);

/**
 * Google Cloud regions where Cloud Run, Artifact Registry and Secret Manager run
 * (https://cloud.google.com/run/docs/locations, read 2026-12). Add new ones here.
 */
export const GCP_REGIONS: readonly string[] = [
    "africa-south1",
    "asia-east1",
    "asia-east2",
    "asia-northeast1",
    "asia-northeast2",
    "asia-northeast3",
    "asia-south1",
    "asia-south2",
    "asia-southeast1",
    "asia-southeast2",
    "australia-southeast1",
    "australia-southeast2",
    "europe-central2",
    "europe-north1",
    "europe-north2",
    "europe-southwest1",
    "europe-west1",
    "europe-west2",
    "europe-west3",
    "europe-west4",
    "europe-west6",
    "europe-west8",
    "europe-west9",
    "europe-west10",
    "europe-west12",
    "me-central1",
    "me-central2",
    "me-west1",
    "northamerica-northeast1",
    "northamerica-northeast2",
    "northamerica-south1",
    "southamerica-east1",
    "southamerica-west1",
    "us-central1",
    "us-east1",
    "us-east4",
    "us-east5",
    "us-south1",
    "us-west1",
    "us-west2",
    "us-west3",
    "us-west4",
];

const T_SIZES = ["micro", "small", "medium", "large", "xlarge", "2xlarge"];
const BIG_SIZES = ["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge", "48xlarge"];

/**
 * RDS for PostgreSQL instance classes: burstable t3/t4g, and the general
 * purpose and memory optimized families
 * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.DBInstanceClass.Support.html).
 */
const RDS_FAMILIES: Readonly<Record<string, readonly string[]>> = {
    t3: T_SIZES,
    t4g: T_SIZES,
    ...Object.fromEntries(
        ["m5", "m5d", "m6g", "m6gd", "m6i", "m6id", "m6in", "m6idn", "m7g", "m7gd", "m7i", "m8g", "r5", "r5b", "r5d", "r6g", "r6gd", "r6i", "r6id", "r6in", "r6idn", "r7g", "r7gd", "r7i", "r8g", "x2g", "x2idn", "x2iedn"].map((f) => [f, BIG_SIZES]),
    ),
};

/**
 * ElastiCache for Redis OSS / Valkey node types
 * (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheNodes.SupportedTypes.html).
 */
const CACHE_FAMILIES: Readonly<Record<string, readonly string[]>> = {
    t3: ["micro", "small", "medium"],
    t4g: ["micro", "small", "medium"],
    ...Object.fromEntries(["m5", "m6g", "m7g", "r5", "r6g", "r6gd", "r7g"].map((f) => [f, BIG_SIZES.slice(0, 8)])),
};

function classProblem(value: string, prefix: string, families: Readonly<Record<string, readonly string[]>>, what: string): string | undefined {
    const m = new RegExp(`^${prefix.replace(".", "\\.")}\\.([a-z0-9]+)\\.([a-z0-9]+)$`).exec(value);
    if (!m) {
        return `must be ${what}, written ${prefix}.<family>.<size> (e.g. ${prefix}.t4g.small)`;
    }
    const sizes = families[m[1]];
    if (sizes === undefined) {
        return `has no family "${m[1]}"; families: ${Object.keys(families).join(", ")}`;
    }
    if (!sizes.includes(m[2])) {
        return `has no size "${m[2]}" in family ${m[1]}; sizes: ${sizes.join(", ")}`;
    }
    return undefined;
}

/** Why `value` is not an RDS for PostgreSQL instance class, or undefined when it is one. */
export function rdsInstanceClassProblem(value: string): string | undefined {
    return classProblem(value, "db", RDS_FAMILIES, "an RDS instance class");
}

/** Why `value` is not an ElastiCache node type, or undefined when it is one. */
export function cacheNodeTypeProblem(value: string): string | undefined {
    return classProblem(value, "cache", CACHE_FAMILIES, "an ElastiCache node type");
}

/**
 * Why `value` is not a Cloud SQL for PostgreSQL tier, or undefined. Shared
 * core: db-f1-micro, db-g1-small. Custom: db-custom-<vCPUs>-<MiB>, with 1 or
 * an even number of vCPUs up to 96, memory a multiple of 256 MiB, 0.9 to 6.5
 * GiB per vCPU and at least 3840 MiB
 * (https://cloud.google.com/sql/docs/postgres/create-instance#machine-types).
 * Enterprise Plus: db-perf-optimized-N-<vCPUs>.
 */
export function cloudSqlTierProblem(value: string): string | undefined {
    if (value === "db-f1-micro" || value === "db-g1-small") {
        return undefined;
    }
    if (/^db-perf-optimized-N-(2|4|8|16|32|48|64|80|96|128)$/.test(value)) {
        return undefined;
    }
    const custom = /^db-custom-(\d+)-(\d+)$/.exec(value);
    if (!custom) {
        return "must be a Cloud SQL tier: db-f1-micro, db-g1-small, db-custom-<vCPUs>-<memory MiB> (e.g. db-custom-1-3840) or db-perf-optimized-N-<vCPUs>";
    }
    const cpus = Number(custom[1]);
    const mib = Number(custom[2]);
    if (!(cpus === 1 || (cpus % 2 === 0 && cpus >= 2 && cpus <= 96))) {
        return `has ${cpus} vCPUs; custom tiers take 1 or an even number up to 96`;
    }
    const perCpu = mib / 1024 / cpus;
    if (mib % 256 !== 0 || mib < 3840 || perCpu < 0.9 || perCpu > 6.5) {
        return `has ${mib} MiB for ${cpus} vCPU; memory must be a multiple of 256 MiB, at least 3840 MiB, and 0.9 to 6.5 GiB per vCPU (${Math.ceil((cpus * 0.9 * 1024) / 256) * 256} to ${Math.floor((cpus * 6.5 * 1024) / 256) * 256} MiB here)`;
    }
    return undefined;
}

/** Placeholder project IDs from examples and templates: fine to render, never to deploy. */
export function looksLikePlaceholderProject(project: string): boolean {
    return /^(my|your|example|sample|test|demo|placeholder|change-?me)(-[a-z0-9]+)*$/.test(project) && /(project|proj|id|me)$/.test(project);
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
        let diagonal = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const above = row[j];
            row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
            diagonal = above;
        }
    }
    return row[b.length];
}

/** The closest of `candidates` to `value` (case-insensitive), when close enough to be a typo. */
export function nearest(value: string, candidates: readonly string[]): string | undefined {
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const c of candidates) {
        const d = editDistance(value.toLowerCase(), c.toLowerCase());
        if (d < bestDistance) {
            best = c;
            bestDistance = d;
        }
    }
    return best !== undefined && bestDistance <= Math.max(2, Math.floor(value.length / 4)) ? best : undefined;
}
