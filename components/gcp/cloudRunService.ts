// The Cloud Run service: the digest-pinned image, run as its own service
// account, sized from the settings, probed on the app's health endpoints,
// with secrets referenced by version and public invocation only when asked.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { Ingress } from "../settings";
import { ServiceArgs } from "../serviceArgs";
import { SecretRef } from "./serviceSecrets";

/** Cloud Run's ingress values for the stack's `ingress` setting. */
export const INGRESS: Readonly<Record<Ingress, string>> = {
    all: "INGRESS_TRAFFIC_ALL",
    internal: "INGRESS_TRAFFIC_INTERNAL_ONLY",
    "internal-and-cloud-load-balancing": "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER",
};

/** The container's CPU limit as Cloud Run writes it: `1`, `2`, or millicores below one (`500m`). */
export function cloudRunCpu(cpu: number): string {
    return cpu >= 1 ? String(cpu) : `${Math.round(cpu * 1000)}m`;
}

/** The container's memory limit in mebibytes, as Cloud Run writes it (`512Mi`). */
export function cloudRunMemory(mib: number): string {
    return `${mib}Mi`;
}

/**
 * Second generation (full Linux compatibility, faster network and file
 * system) except below one CPU, where Cloud Run only runs the first.
 */
export function executionEnvironment(cpu: number): "EXECUTION_ENVIRONMENT_GEN1" | "EXECUTION_ENVIRONMENT_GEN2" {
    return cpu < 1 ? "EXECUTION_ENVIRONMENT_GEN1" : "EXECUTION_ENVIRONMENT_GEN2";
}

/** The app's health endpoints (app/app/routes.py). */
export const HEALTH_PATHS = {
    /** Liveness: the process serves requests; never looks at dependencies. */
    live: "/healthz",
    /** Readiness: the database and cache answer. */
    ready: "/readyz",
} as const;

/** The VPC and subnet instances join through Direct VPC egress. */
export interface DirectVpcEgress {
    readonly network: pulumi.Input<string>;
    readonly subnetwork: pulumi.Input<string>;
}

/**
 * The shared service arguments, with secrets already stored (references
 * instead of values) and the Cloud Run specifics. `cpuTarget` is not used:
 * Cloud Run scales on request concurrency.
 */
export interface CloudRunServiceArgs extends Omit<ServiceArgs, "secrets" | "domain" | "cpuTarget"> {
    readonly project: string;
    readonly region: string;
    /** Service name, unique per project and region; also the console's name for it. */
    readonly serviceName: string;
    /** The enabled project APIs; every resource here waits for them. */
    readonly apis: pulumi.Resource;
    /** Email of the service account the instances run as. */
    readonly serviceAccount: pulumi.Input<string>;
    /** Secret environment by name, as Secret Manager references. */
    readonly secrets: Readonly<Record<string, SecretRef>>;
    /** Who may reach the service at the network level. */
    readonly ingress: Ingress;
    /** Keep CPU between requests (instance-based billing) instead of only during requests. */
    readonly cpuAlwaysAllocated: boolean;
    /** Longest a request may take, in seconds. */
    readonly requestTimeout: number;
    /** Join this VPC for private traffic (database, cache); undefined: no VPC. */
    readonly vpc?: DirectVpcEgress;
    /** Resources a revision needs before it can start: secret grants, the database user. */
    readonly waitFor?: readonly pulumi.Resource[];
}

export class CloudRunService extends pulumi.ComponentResource {
    readonly service: gcp.cloudrunv2.Service;
    /** The service's own `*.run.app` address. */
    readonly uri: pulumi.Output<string>;
    readonly name: pulumi.Output<string>;

    constructor(name: string, args: CloudRunServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:gcp:CloudRunService", name, {}, opts);

        this.service = new gcp.cloudrunv2.Service(
            `${name}-service`,
            {
                project: args.project,
                location: args.region,
                name: args.serviceName,
                ingress: INGRESS[args.ingress],
                deletionProtection: args.protect,
                template: {
                    serviceAccount: args.serviceAccount,
                    executionEnvironment: executionEnvironment(args.cpu),
                    maxInstanceRequestConcurrency: args.concurrency,
                    timeout: `${args.requestTimeout}s`,
                    scaling: { minInstanceCount: args.minInstances, maxInstanceCount: args.maxInstances },
                    vpcAccess: args.vpc
                        ? {
                              networkInterfaces: [{ network: args.vpc.network, subnetwork: args.vpc.subnetwork }],
                              // Only private ranges go through the VPC; the internet stays direct, so no NAT is needed.
                              egress: "PRIVATE_RANGES_ONLY",
                          }
                        : undefined,
                    containers: [
                        {
                            name: "app",
                            image: args.image,
                            // Cloud Run sets PORT from this; the stack does not set it again.
                            ports: { name: "http1", containerPort: args.port },
                            resources: {
                                limits: { cpu: cloudRunCpu(args.cpu), memory: cloudRunMemory(args.memory) },
                                cpuIdle: !args.cpuAlwaysAllocated,
                                startupCpuBoost: true,
                            },
                            envs: [
                                ...Object.entries(args.env).map(([envName, value]) => ({ name: envName, value })),
                                ...Object.entries(args.secrets).map(([envName, ref]) => ({
                                    name: envName,
                                    valueSource: { secretKeyRef: { secret: ref.secret, version: ref.version } },
                                })),
                            ],
                            // Startup waits on /healthz, not /readyz: the app connects to its
                            // dependencies lazily, and a startup probe on /readyz would keep
                            // every new revision (including the fix or rollback for an outage)
                            // from serving while the database is down. /readyz stays for
                            // operators and uptime checks that want dependency state.
                            startupProbe: {
                                httpGet: { path: HEALTH_PATHS.live, port: args.port },
                                periodSeconds: 2,
                                timeoutSeconds: 2,
                                failureThreshold: 30,
                            },
                            livenessProbe: {
                                httpGet: { path: HEALTH_PATHS.live, port: args.port },
                                periodSeconds: 15,
                                timeoutSeconds: 3,
                                failureThreshold: 3,
                            },
                        },
                    ],
                },
            },
            { parent: this, dependsOn: [args.apis, ...(args.waitFor ?? [])] },
        );

        if (args.public) {
            new gcp.cloudrunv2.ServiceIamMember(
                `${name}-public`,
                { project: args.project, location: args.region, name: this.service.name, role: "roles/run.invoker", member: "allUsers" },
                { parent: this, dependsOn: [args.apis] },
            );
        }

        this.uri = this.service.uri;
        this.name = this.service.name;
        this.registerOutputs({ uri: this.uri, name: this.name });
    }
}
