// Google Cloud apply-time rules: ID formats and limits each API enforces, with
// the reference that states them.
import { ResourceRule } from "../preflight";
import { at, known, nameOf, nameRule, numberRule, textRule } from "./checks";

/** RFC 1035 labels: a lowercase letter first, then letters, digits and hyphens, no hyphen at the end. */
const RFC1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const RFC1035_WORDS = "lowercase letters, digits and hyphens, a letter first, not ending with a hyphen";
const COMPUTE_NAMES = "https://cloud.google.com/compute/docs/naming-resources#resource-name-format";
const WIF = "https://cloud.google.com/iam/docs/reference/rest/v1/projects.locations.workloadIdentityPools/create";
const WIF_PROVIDER = "https://cloud.google.com/iam/docs/reference/rest/v1/projects.locations.workloadIdentityPools.providers/create";
const SERVICE_ACCOUNT = "https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts/create";
const CLOUD_RUN = "https://cloud.google.com/run/docs/reference/rest/v2/projects.locations.services/create";
const SQL_INSTANCE = "gcp:sql/databaseInstance:DatabaseInstance";

/** Types whose `labels` Google validates; Cloud SQL keeps them in `settings.userLabels`. */
const LABELLED = [
    "gcp:secretmanager/secret:Secret",
    "gcp:cloudrunv2/service:Service",
    "gcp:artifactregistry/repository:Repository",
    "gcp:redis/instance:Instance",
    "gcp:cloudrunv2/job:Job",
    "gcp:cloudrunv2/workerPool:WorkerPool",
    SQL_INSTANCE,
];

export const GCP_RULES: readonly ResourceRule[] = [
    // serviceAccounts.create: accountId 6-30 characters matching [a-z]([-a-z0-9]*[a-z0-9]); displayName up to 100, description up to 256.
    nameRule({ id: "gcp-service-account-id", types: ["gcp:serviceaccount/account:Account"], source: SERVICE_ACCOUNT, property: "accountId", min: 6, max: 30, pattern: RFC1035, allowed: RFC1035_WORDS }),
    textRule({ id: "gcp-service-account-display-name", types: ["gcp:serviceaccount/account:Account"], source: SERVICE_ACCOUNT, property: "displayName", max: 100 }),
    textRule({ id: "gcp-service-account-description", types: ["gcp:serviceaccount/account:Account"], source: SERVICE_ACCOUNT, property: "description", max: 256 }),

    // Artifact Registry repository IDs: up to 63, lowercase letters, digits and hyphens, a letter first, not ending with a hyphen.
    nameRule({ id: "gcp-artifact-repository-id", types: ["gcp:artifactregistry/repository:Repository"], source: "https://cloud.google.com/artifact-registry/docs/reference/rest/v1/projects.locations.repositories/create", property: "repositoryId", max: 63, pattern: RFC1035, allowed: RFC1035_WORDS }),

    // Cloud Run: service names up to 49 characters (revision names add a suffix), RFC 1035; at most 1000 requests per
    // instance; a timeout of at most 3600 s; the minimum instance count not above the maximum.
    nameRule({ id: "gcp-cloud-run-service-name", types: ["gcp:cloudrunv2/service:Service"], source: CLOUD_RUN, property: "name", max: 49, pattern: RFC1035, allowed: RFC1035_WORDS }),
    {
        id: "gcp-cloud-run-scaling",
        types: ["gcp:cloudrunv2/service:Service"],
        source: "https://cloud.google.com/run/docs/reference/rest/v2/RevisionScaling",
        check(r) {
            const min = at(r.inputs, "template.scaling.minInstanceCount");
            const max = at(r.inputs, "template.scaling.maxInstanceCount");
            const concurrency = at(r.inputs, "template.maxInstanceRequestConcurrency");
            const out = [];
            if (typeof min === "number" && typeof max === "number" && min > max) {
                out.push({ property: "template.scaling.minInstanceCount", value: min, message: `must not exceed template.scaling.maxInstanceCount (${max})` });
            }
            if (typeof concurrency === "number" && (concurrency < 1 || concurrency > 1000)) {
                out.push({ property: "template.maxInstanceRequestConcurrency", value: concurrency, message: "must be from 1 to 1000" });
            }
            const timeout = at(r.inputs, "template.timeout");
            const seconds = typeof timeout === "string" ? Number(/^(\d+)s$/.exec(timeout)?.[1]) : NaN;
            if (seconds > 3600) {
                out.push({ property: "template.timeout", value: timeout, message: "must be at most 3600s" });
            }
            return out;
        },
    },

    // Secret Manager: secret IDs up to 255 of [A-Za-z0-9_-].
    nameRule({ id: "gcp-secret-id", types: ["gcp:secretmanager/secret:Secret"], source: "https://cloud.google.com/secret-manager/docs/reference/rest/v1/projects.secrets/create", property: "secretId", max: 255, pattern: /^[A-Za-z0-9_-]+$/, allowed: "letters, digits, hyphens and underscores" }),

    // Workload identity federation: pool and provider IDs 4-32 of [a-z0-9-], not starting with "gcp-"; display names up to 32, descriptions up to 256.
    nameRule({ id: "gcp-wif-pool-id", types: ["gcp:iam/workloadIdentityPool:WorkloadIdentityPool"], source: WIF, property: "workloadIdentityPoolId", min: 4, max: 32, pattern: /^[a-z0-9-]+$/, allowed: "lowercase letters, digits and hyphens", reservedPrefixes: ["gcp-"] }),
    textRule({ id: "gcp-wif-pool-display-name", types: ["gcp:iam/workloadIdentityPool:WorkloadIdentityPool"], source: WIF, property: "displayName", max: 32 }),
    textRule({ id: "gcp-wif-pool-description", types: ["gcp:iam/workloadIdentityPool:WorkloadIdentityPool"], source: WIF, property: "description", max: 256 }),
    nameRule({ id: "gcp-wif-provider-id", types: ["gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider"], source: WIF_PROVIDER, property: "workloadIdentityPoolProviderId", min: 4, max: 32, pattern: /^[a-z0-9-]+$/, allowed: "lowercase letters, digits and hyphens", reservedPrefixes: ["gcp-"] }),
    textRule({ id: "gcp-wif-provider-display-name", types: ["gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider"], source: WIF_PROVIDER, property: "displayName", max: 32 }),

    // Cloud SQL: instance IDs are lowercase letters, digits and hyphens, a letter first, and "project-ID:instance-ID" is at most 98 characters.
    nameRule({ id: "gcp-sql-instance-name", types: [SQL_INSTANCE], source: "https://cloud.google.com/sql/docs/postgres/create-instance", property: "name", autonamed: true, max: 98, pattern: RFC1035, allowed: RFC1035_WORDS }),
    {
        id: "gcp-sql-instance-connection-name",
        types: [SQL_INSTANCE],
        source: "https://cloud.google.com/sql/docs/postgres/create-instance",
        check(r) {
            const project = r.inputs.project;
            const name = nameOf(r, "name", true);
            if (!known(project) || typeof project !== "string" || name === undefined) {
                return [];
            }
            const full = `${project}:${name.value}`;
            return full.length > 98 ? [{ property: "name", value: full, message: `project-ID:instance-ID must be at most 98 characters, is ${full.length}` }] : [];
        },
    },

    // Memorystore for Redis: instance IDs 1-40, a letter first, lowercase letters, digits and hyphens, not ending with a hyphen; 1-300 GB.
    nameRule({ id: "gcp-redis-instance-name", types: ["gcp:redis/instance:Instance"], source: "https://cloud.google.com/memorystore/docs/redis/reference/rest/v1/projects.locations.instances/create", property: "name", autonamed: true, max: 40, pattern: RFC1035, allowed: RFC1035_WORDS }),
    numberRule({ id: "gcp-redis-memory", types: ["gcp:redis/instance:Instance"], source: "https://cloud.google.com/memorystore/docs/redis/reference/rest/v1/projects.locations.instances", property: "memorySizeGb", min: 1, max: 300 }),

    // Compute Engine names (networks, subnets, addresses): RFC 1035, 1-63 characters.
    nameRule({ id: "gcp-compute-name", types: ["gcp:compute/network:Network", "gcp:compute/subnetwork:Subnetwork", "gcp:compute/globalAddress:GlobalAddress"], source: COMPUTE_NAMES, property: "name", autonamed: true, max: 63, pattern: RFC1035, allowed: RFC1035_WORDS }),

    {
        // Labels: keys 1-63, a lowercase letter first, then lowercase letters, digits, _ and -; values 0-63 of the same characters.
        id: "gcp-labels",
        types: LABELLED,
        source: "https://cloud.google.com/resource-manager/docs/labels-overview#requirements",
        check(r) {
            const labels = (r.type === SQL_INSTANCE ? at(r.inputs, "settings.userLabels") : r.inputs.labels) as Record<string, unknown> | undefined;
            if (labels === null || typeof labels !== "object") {
                return [];
            }
            const out = [];
            for (const [key, value] of Object.entries(labels)) {
                if (!/^[a-z][a-z0-9_-]{0,62}$/.test(key)) {
                    out.push({ property: `labels.${key}`, value: key, message: "label keys must be 1-63 lowercase letters, digits, _ or -, starting with a letter" });
                }
                if (known(value) && !/^[a-z0-9_-]{0,63}$/.test(String(value))) {
                    out.push({ property: `labels.${key}`, value, message: "label values must be at most 63 lowercase letters, digits, _ or -" });
                }
            }
            return out;
        },
    },
];
