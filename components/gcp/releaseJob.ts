// The release step on Google Cloud: a Cloud Run job with the new image and the
// Procfile's release command, executed on deploy through `runExecutionToken`.
// The job becomes ready only when that execution completes, so the web
// service and the workers, which wait for it, change only after it succeeded.
// The token is derived from the image digest and the command: a deploy that
// changes neither runs nothing.
import * as crypto from "crypto";
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { RunProcessContext, processContainer, processVpcAccess } from "./processContainer";

/** Characters of the execution token: 12 hex characters of a SHA-256 tell apart 2^48 releases. */
export const RELEASE_TOKEN_LENGTH = 12;
/** Longest a release may run, seconds. */
export const RELEASE_TIMEOUT_SECONDS = 1800;

/** The execution token for an image and a command. */
export function releaseToken(image: string, command: readonly string[]): string {
    return crypto.createHash("sha256").update(`${image}\0${command.join(" ")}`).digest("hex").slice(0, RELEASE_TOKEN_LENGTH);
}

export interface ReleaseJobArgs {
    readonly context: RunProcessContext;
    /** Job name; with the token, under 63 characters. */
    readonly jobName: string;
    /** The release command, as argv. */
    readonly command: readonly string[];
    readonly cpu: number;
    readonly memory: number;
}

export class ReleaseJob extends pulumi.ComponentResource {
    /** Ready once the release execution has succeeded: the services wait for it. */
    readonly job: gcp.cloudrunv2.Job;

    constructor(name: string, args: ReleaseJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:gcp:ReleaseJob", name, {}, opts);
        const ctx = args.context;
        this.job = new gcp.cloudrunv2.Job(
            `${name}-job`,
            {
                project: ctx.project,
                location: ctx.region,
                name: args.jobName,
                // Holds no data, and removing a Procfile line must remove it even on a protected stack.
                deletionProtection: false,
                runExecutionToken: pulumi.output(ctx.image).apply((image) => releaseToken(image, args.command)),
                template: {
                    taskCount: 1,
                    template: {
                        serviceAccount: ctx.serviceAccount,
                        // A failed migration is reported, not retried: it must be fixed first.
                        maxRetries: 0,
                        timeout: `${RELEASE_TIMEOUT_SECONDS}s`,
                        vpcAccess: processVpcAccess(ctx),
                        containers: [processContainer(ctx, args.command, args.cpu, args.memory)],
                    },
                },
            },
            // The provider waits for the execution; give it the release's whole timeout and some.
            { parent: this, dependsOn: [ctx.apis, ...ctx.waitFor], customTimeouts: { create: `${RELEASE_TIMEOUT_SECONDS / 60 + 10}m`, update: `${RELEASE_TIMEOUT_SECONDS / 60 + 10}m` } },
        );
        this.registerOutputs({ name: this.job.name });
    }
}
