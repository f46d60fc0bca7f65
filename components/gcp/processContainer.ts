// What every Cloud Run process of the stack shares with the web service: the
// image, the runtime service account, the environment, the secrets by
// version and the VPC. Workers, scheduled jobs and the release job build
// their one container from it, with their own command and size.
import * as pulumi from "@pulumi/pulumi";
import { DirectVpcEgress, cloudRunCpu, cloudRunMemory } from "./cloudRunService";
import { SecretRef } from "./serviceSecrets";

/** The web service's runtime, for the stack's other processes. */
export interface RunProcessContext {
    readonly project: string;
    readonly region: string;
    /** The enabled project APIs; every resource waits for them. */
    readonly apis: pulumi.Resource;
    /** Digest-pinned image. */
    readonly image: pulumi.Input<string>;
    /** Email of the runtime service account (the web service's: it may read exactly the stack's secrets). */
    readonly serviceAccount: pulumi.Input<string>;
    readonly env: Readonly<Record<string, pulumi.Input<string>>>;
    readonly secrets: Readonly<Record<string, SecretRef>>;
    /** Direct VPC egress to the database and cache. @default none */
    readonly vpc?: DirectVpcEgress;
    /** Resources a process needs before it can start: secret grants, the database user. */
    readonly waitFor: readonly pulumi.Resource[];
}

/** The container of one process: the image's entrypoint is empty, so argv[0] is the command and the rest its args. */
export function processContainer(ctx: RunProcessContext, argv: readonly string[], cpu: number, memory: number) {
    return {
        name: "app",
        image: ctx.image,
        command: [argv[0]],
        args: argv.slice(1),
        resources: { limits: { cpu: cloudRunCpu(cpu), memory: cloudRunMemory(memory) } },
        envs: [
            ...Object.entries(ctx.env).map(([name, value]) => ({ name, value })),
            ...Object.entries(ctx.secrets).map(([name, ref]) => ({ name, valueSource: { secretKeyRef: { secret: ref.secret, version: ref.version } } })),
        ],
    };
}

/** Only private ranges go through the VPC, as for the web service. */
export function processVpcAccess(ctx: RunProcessContext) {
    return ctx.vpc ? { networkInterfaces: [{ network: ctx.vpc.network, subnetwork: ctx.vpc.subnetwork }], egress: "PRIVATE_RANGES_ONLY" } : undefined;
}
