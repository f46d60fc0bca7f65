// Apply-time rules for what the cost levers declare: Fargate Spot through
// capacity providers (the cluster's list and the service's strategy). One
// entry per limit, with the API reference that states it.
import { Finding, ResourceRule, ResourceView, StackRule, resourceId } from "../preflight";
import { known } from "./checks";

const ECS = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference";
const SERVICE = "aws:ecs/service:Service";
const CLUSTER_PROVIDERS = "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders";
const FARGATE_PROVIDERS = ["FARGATE", "FARGATE_SPOT"];

interface StrategyItem {
    readonly capacityProvider?: unknown;
    readonly base?: unknown;
    readonly weight?: unknown;
}

/** The strategy a resource declares: a service's `capacityProviderStrategies`, a cluster's default one. */
function strategyOf(r: ResourceView): { property: string; items: StrategyItem[] } | undefined {
    const property = r.type === SERVICE ? "capacityProviderStrategies" : "defaultCapacityProviderStrategies";
    const items = r.inputs[property];
    return Array.isArray(items) && items.length > 0 ? { property, items: items as StrategyItem[] } : undefined;
}

const inRange = (v: unknown, min: number, max: number): boolean => !known(v) || (typeof v === "number" && Number.isInteger(v) && v >= min && v <= max);

export const COST_LEVER_RULES: readonly ResourceRule[] = [
    {
        // CapacityProviderStrategyItem: base 0-100000, weight 0-1000; "Only one capacity provider in a capacity provider strategy can have a base defined."
        id: "aws-ecs-capacity-strategy",
        types: [SERVICE, CLUSTER_PROVIDERS],
        source: `${ECS}/API_CapacityProviderStrategyItem.html`,
        check(r) {
            const s = strategyOf(r);
            if (s === undefined) {
                return [];
            }
            const out: Finding[] = [];
            s.items.forEach((item, i) => {
                if (!inRange(item.base ?? 0, 0, 100000)) {
                    out.push({ property: `${s.property}[${i}].base`, value: item.base, message: "must be a whole number from 0 to 100000" });
                }
                if (!inRange(item.weight ?? 0, 0, 1000)) {
                    out.push({ property: `${s.property}[${i}].weight`, value: item.weight, message: "must be a whole number from 0 to 1000" });
                }
            });
            const withBase = s.items.filter((item) => typeof item.base === "number" && item.base > 0);
            if (withBase.length > 1) {
                out.push({ property: s.property, value: withBase.map((x) => x.capacityProvider), message: "only one capacity provider in a strategy may have a base" });
            }
            if (s.items.every((item) => typeof item.weight !== "number" || item.weight === 0) && withBase.length === 0) {
                out.push({ property: s.property, value: s.items.map((x) => x.capacityProvider), message: "places no task: give a provider a weight above 0 or a base" });
            }
            return out;
        },
    },
    {
        // CreateService: "If a capacityProviderStrategy is specified, the launchType parameter must be omitted."
        id: "aws-ecs-strategy-or-launch-type",
        types: [SERVICE],
        source: `${ECS}/API_CreateService.html`,
        check(r) {
            return strategyOf(r) !== undefined && r.inputs.launchType !== undefined
                ? [{ property: "launchType", value: r.inputs.launchType, message: "must be omitted when capacityProviderStrategies is set" }]
                : [];
        },
    },
    {
        // PutClusterCapacityProviders: Fargate capacity providers are FARGATE and FARGATE_SPOT; this project declares no Auto Scaling group providers.
        id: "aws-ecs-cluster-capacity-providers",
        types: [CLUSTER_PROVIDERS],
        source: `${ECS}/API_PutClusterCapacityProviders.html`,
        check(r) {
            const providers = r.inputs.capacityProviders;
            if (!Array.isArray(providers)) {
                return [];
            }
            const out: Finding[] = [];
            for (const p of providers) {
                if (known(p) && !FARGATE_PROVIDERS.includes(String(p))) {
                    out.push({ property: "capacityProviders", value: p, message: `is not a Fargate capacity provider (${FARGATE_PROVIDERS.join(", ")}); an Auto Scaling group provider must be created first` });
                }
            }
            if (new Set(providers).size !== providers.length) {
                out.push({ property: "capacityProviders", value: providers, message: "lists a capacity provider twice" });
            }
            return out;
        },
    },
    {
        // "For the task to pull container images, it must have a route to the internet": a public IP in a public
        // subnet, NAT from a private one, or VPC endpoints. An isolated subnet (natGateways none) has none of these.
        id: "aws-fargate-task-egress",
        types: [SERVICE, "aws:scheduler/schedule:Schedule", "pulumi-nodejs:dynamic/ecs:ReleaseRun"],
        source: "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-task-networking.html",
        check(r) {
            const placement = taskPlacement(r);
            if (placement === undefined || placement.assignPublicIp === true) {
                return [];
            }
            const isolated = placement.subnets.filter((s) => typeof s === "string" && s.includes("isolatedSubnetIds"));
            return isolated.length > 0
                ? [{ property: placement.property, value: isolated, message: "puts Fargate tasks in isolated subnets without a public IP: they cannot pull the image, read secrets or ship logs; use the task subnets with their public IP (natGateways none) or NAT" }]
                : [];
        },
    },
];

/** Where a resource starts Fargate tasks: a service's network configuration, a schedule's ECS target, a release run's. */
function taskPlacement(r: ResourceView): { property: string; subnets: unknown[]; assignPublicIp: unknown } | undefined {
    const nc = (r.type === SERVICE
        ? r.inputs.networkConfiguration
        : r.type === "aws:scheduler/schedule:Schedule"
          ? (r.inputs.target as { ecsParameters?: { networkConfiguration?: unknown } } | undefined)?.ecsParameters?.networkConfiguration
          : r.inputs) as { subnets?: unknown; assignPublicIp?: unknown } | undefined;
    if (nc === undefined || !Array.isArray(nc.subnets)) {
        return undefined;
    }
    const property = r.type === SERVICE ? "networkConfiguration.subnets" : r.type === "aws:scheduler/schedule:Schedule" ? "target.ecsParameters.networkConfiguration.subnets" : "subnets";
    return { property, subnets: nc.subnets as unknown[], assignPublicIp: nc.assignPublicIp };
}

/** `X` of a `<computed:X.arn>` / `<computed:X.name>` marker: the cluster a service or provider list refers to. */
const clusterOf = (v: unknown): string | undefined => (typeof v === "string" ? /<computed:([^.>]+)\./.exec(v)?.[1] : undefined);

export const COST_LEVER_STACK_RULES: readonly StackRule[] = [
    {
        // CapacityProviderStrategyItem: "Only capacity providers that are already associated with a cluster ... can be used in a capacity provider strategy."
        id: "aws-ecs-strategy-providers-associated",
        source: `${ECS}/API_CapacityProviderStrategyItem.html`,
        check(resources) {
            const out: Array<Finding & { resource: string }> = [];
            for (const svc of resources.filter((r) => r.type === SERVICE)) {
                const s = strategyOf(svc);
                const cluster = clusterOf(svc.inputs.cluster);
                if (s === undefined || cluster === undefined) {
                    continue;
                }
                const associated = resources
                    .filter((r) => r.type === CLUSTER_PROVIDERS && clusterOf(r.inputs.clusterName) === cluster)
                    .flatMap((r) => (Array.isArray(r.inputs.capacityProviders) ? (r.inputs.capacityProviders as unknown[]) : []));
                for (const item of s.items) {
                    if (known(item.capacityProvider) && !associated.includes(item.capacityProvider)) {
                        out.push({
                            resource: resourceId(svc),
                            property: s.property,
                            value: item.capacityProvider,
                            message: `is not associated with the service's cluster ${cluster}: declare an aws.ecs.ClusterCapacityProviders listing it`,
                        });
                    }
                }
            }
            return out;
        },
    },
];
