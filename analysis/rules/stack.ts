// Rules over a whole stack: names Pulumi or a cloud requires to be unique, and
// facts that span two resources.
import { StackRule, resourceId } from "../preflight";
import { at } from "./checks";

/** `<computed:NAME.PROP>`: the render's marker for a value another resource computes. */
function computedFrom(value: unknown): string | undefined {
    return typeof value === "string" ? /^<computed:([^.>]+)\.[^>]+>$/.exec(value)?.[1] : undefined;
}

/**
 * Explicit cloud IDs that are unique within an AWS account and region or a
 * Google project: two resources of one stack may not share one. (Across
 * stacks, IDs carry the project and stack name: see components/naming.ts.)
 */
export const UNIQUE_IDS: ReadonlyArray<readonly [type: string, property: string]> = [
    ["gcp:serviceaccount/account:Account", "accountId"],
    ["gcp:artifactregistry/repository:Repository", "repositoryId"],
    ["gcp:cloudrunv2/service:Service", "name"],
    ["gcp:cloudrunv2/job:Job", "name"],
    ["gcp:cloudrunv2/workerPool:WorkerPool", "name"],
    ["gcp:secretmanager/secret:Secret", "secretId"],
    ["gcp:iam/workloadIdentityPool:WorkloadIdentityPool", "workloadIdentityPoolId"],
    ["gcp:cloudscheduler/job:Job", "name"],
    ["aws:ecs/taskDefinition:TaskDefinition", "family"],
    ["aws:rds/instance:Instance", "finalSnapshotIdentifier"],
    ["aws:scheduler/schedule:Schedule", "name"],
];

export const STACK_RULES: readonly StackRule[] = [
    {
        // A URN is stack + type + name: two resources with one type and one name are refused by the engine.
        id: "pulumi-unique-name",
        source: "https://www.pulumi.com/docs/iac/concepts/resources/names/#urns",
        check(resources) {
            const seen = new Set<string>();
            const out = [];
            for (const r of resources) {
                const id = resourceId(r);
                if (seen.has(id)) {
                    out.push({ resource: id, property: "name", value: r.name, message: "two resources of this type have this name; Pulumi refuses duplicate URNs" });
                }
                seen.add(id);
            }
            return out;
        },
    },
    {
        id: "cloud-unique-id",
        source: "https://cloud.google.com/apis/design/resource_names (IDs unique within their parent); AWS names unique per account and region",
        check(resources) {
            const out = [];
            for (const [type, property] of UNIQUE_IDS) {
                const owners = new Map<string, string>();
                for (const r of resources.filter((x) => x.type === type)) {
                    const value = r.inputs[property];
                    if (typeof value !== "string") {
                        continue;
                    }
                    const first = owners.get(value);
                    if (first !== undefined) {
                        out.push({ resource: resourceId(r), property, value, message: `is also the ${property} of ${first}; the cloud allows one` });
                    }
                    owners.set(value, resourceId(r));
                }
            }
            return out;
        },
    },
    {
        // A private-IP Cloud SQL instance or Memorystore instance is created in the peered range: creating it before the
        // service networking connection exists fails ("network ... is not peered").
        id: "gcp-private-services-access-order",
        source: "https://cloud.google.com/sql/docs/postgres/configure-private-services-access",
        check(resources) {
            const connections = new Set(resources.filter((r) => r.type === "gcp:servicenetworking/connection:Connection").map(resourceId));
            const out = [];
            for (const r of resources) {
                const usesPeering =
                    (r.type === "gcp:sql/databaseInstance:DatabaseInstance" && at(r.inputs, "settings.ipConfiguration.privateNetwork") !== undefined) ||
                    (r.type === "gcp:redis/instance:Instance" && r.inputs.connectMode === "PRIVATE_SERVICE_ACCESS");
                if (usesPeering && r.dependsOn !== undefined && !r.dependsOn.some((d) => connections.has(d))) {
                    out.push({ resource: resourceId(r), property: "dependsOn", value: r.dependsOn, message: "must wait for the servicenetworking Connection of its network (dependsOn)" });
                }
            }
            return out;
        },
    },
    {
        // Direct VPC egress: a /26 or larger subnet, and twice as many addresses as instances (revisions overlap while rolling out).
        id: "gcp-direct-vpc-subnet-size",
        source: "https://cloud.google.com/run/docs/configuring/vpc-direct-vpc#direct-vpc-ip-allocation",
        check(resources) {
            const subnets = new Map(resources.filter((r) => r.type === "gcp:compute/subnetwork:Subnetwork").map((r) => [r.name, r]));
            const out = [];
            for (const r of resources.filter((x) => x.type.startsWith("gcp:cloudrunv2/"))) {
                const interfaces = at(r.inputs, "template.vpcAccess.networkInterfaces") ?? at(r.inputs, "template.template.vpcAccess.networkInterfaces");
                if (!Array.isArray(interfaces)) {
                    continue;
                }
                const maxInstances = Number(at(r.inputs, "template.scaling.maxInstanceCount") ?? at(r.inputs, "scaling.maxInstanceCount") ?? at(r.inputs, "scaling.manualInstanceCount") ?? 100);
                for (const nic of interfaces as Array<Record<string, unknown>>) {
                    const subnet = subnets.get(computedFrom(nic.subnetwork) ?? "");
                    const prefix = Number(String(subnet?.inputs.ipCidrRange ?? "").split("/")[1]);
                    if (subnet === undefined || !Number.isInteger(prefix)) {
                        continue;
                    }
                    // Google reserves four addresses in every subnet.
                    const usable = 2 ** (32 - prefix) - 4;
                    if (prefix > 26 || usable < 2 * maxInstances) {
                        out.push({
                            resource: resourceId(r),
                            property: "vpcAccess.networkInterfaces",
                            value: `${String(subnet.inputs.ipCidrRange)} for ${maxInstances} instances`,
                            message: `Direct VPC egress needs a /26 or larger subnet with at least 2 addresses per instance (${2 * maxInstances}); ${subnet.name} has ${usable}`,
                        });
                    }
                }
            }
            return out;
        },
    },
];


