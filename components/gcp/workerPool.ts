// One worker process on Cloud Run: a worker pool (no URL, no requests) on the
// web's image, account, secrets and VPC, with its own command and size.
// Scaling is set to MANUAL on purpose: worker pools have no request or CPU
// signal to scale on by themselves (Google's answer is an external
// autoscaler), and a queue consumer must keep running while the queue is
// idle, so the pool runs exactly `instances`.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { RunProcessContext, processContainer, processVpcAccess } from "./processContainer";

export interface CloudRunWorkerPoolArgs {
    readonly context: RunProcessContext;
    /** Worker pool ID: fewer than 50 characters, RFC 1035. */
    readonly poolName: string;
    /** The command, as argv. */
    readonly command: readonly string[];
    /** vCPU per instance. */
    readonly cpu: number;
    /** MiB per instance. */
    readonly memory: number;
    /** Instances always running (the worker's minInstances). */
    readonly instances: number;
    /** Resources to wait for before updating (the release job). @default none */
    readonly waitFor?: readonly pulumi.Resource[];
}

export class CloudRunWorkerPool extends pulumi.ComponentResource {
    readonly name: pulumi.Output<string>;

    constructor(name: string, args: CloudRunWorkerPoolArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:gcp:CloudRunWorkerPool", name, {}, opts);
        const ctx = args.context;
        const pool = new gcp.cloudrunv2.WorkerPool(
            `${name}-pool`,
            {
                project: ctx.project,
                location: ctx.region,
                name: args.poolName,
                // Holds no data, and removing a Procfile line must remove it even on a protected stack.
                deletionProtection: false,
                scaling: { scalingMode: "MANUAL", manualInstanceCount: args.instances },
                template: {
                    serviceAccount: ctx.serviceAccount,
                    vpcAccess: processVpcAccess(ctx),
                    containers: [processContainer(ctx, args.command, args.cpu, args.memory)],
                },
            },
            { parent: this, dependsOn: [ctx.apis, ...ctx.waitFor, ...(args.waitFor ?? [])] },
        );
        this.name = pool.name;
        this.registerOutputs({ name: this.name });
    }
}
