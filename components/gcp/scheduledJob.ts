// One scheduled job on Google Cloud: a Cloud Run job with the job's command
// on the web's image, account, secrets and VPC, and a Cloud Scheduler job that
// runs it on a cron in UTC through the Jobs API, signed in as the stack's
// invoker service account. That account may run this job (roles/run.invoker
// on the job itself) and nothing else in the project.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { RunProcessContext, processContainer, processVpcAccess } from "./processContainer";

/** Cloud Scheduler retries a failed run request (not a failed execution) this often, backing off. */
export const SCHEDULER_RETRY = { retryCount: 3, minBackoffDuration: "30s", maxBackoffDuration: "600s" } as const;
/** Retries of a failed execution's task before the execution fails. */
export const SCHEDULED_JOB_MAX_RETRIES = 1;

export interface ScheduledJobArgs {
    readonly context: RunProcessContext;
    /** Cloud Run job name (RFC 1035, under 64 characters). */
    readonly jobName: string;
    /** Cloud Scheduler job ID ([A-Za-z0-9_-], at most 500). */
    readonly schedulerJobId: string;
    /** The command, as argv. */
    readonly command: readonly string[];
    /** Five-field cron, UTC. */
    readonly cron: string;
    /** Longest a run may take, seconds (the execution's task timeout). */
    readonly timeoutSeconds: number;
    readonly cpu: number;
    readonly memory: number;
    /** `serviceAccount:<email>` of the invoker. */
    readonly invokerMember: pulumi.Input<string>;
    /** Email of the invoker, for the OAuth token. */
    readonly invokerEmail: pulumi.Input<string>;
    /** Resources to wait for before updating (the release job). @default none */
    readonly waitFor?: readonly pulumi.Resource[];
}

export class ScheduledJob extends pulumi.ComponentResource {
    readonly jobName: pulumi.Output<string>;

    constructor(name: string, args: ScheduledJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:gcp:ScheduledJob", name, {}, opts);
        const ctx = args.context;
        const job = new gcp.cloudrunv2.Job(
            `${name}-job`,
            {
                project: ctx.project,
                location: ctx.region,
                name: args.jobName,
                // Holds no data, and removing a Procfile line must remove it even on a protected stack.
                deletionProtection: false,
                template: {
                    taskCount: 1,
                    template: {
                        serviceAccount: ctx.serviceAccount,
                        maxRetries: SCHEDULED_JOB_MAX_RETRIES,
                        timeout: `${args.timeoutSeconds}s`,
                        vpcAccess: processVpcAccess(ctx),
                        containers: [processContainer(ctx, args.command, args.cpu, args.memory)],
                    },
                },
            },
            { parent: this, dependsOn: [ctx.apis, ...ctx.waitFor, ...(args.waitFor ?? [])] },
        );
        const invoker = new gcp.cloudrunv2.JobIamMember(
            `${name}-invoker`,
            { project: ctx.project, location: ctx.region, name: job.name, role: "roles/run.invoker", member: args.invokerMember },
            { parent: this, dependsOn: [ctx.apis] },
        );
        new gcp.cloudscheduler.Job(
            `${name}-schedule`,
            {
                project: ctx.project,
                region: ctx.region,
                name: args.schedulerJobId,
                description: `Runs the Cloud Run job ${args.jobName}: ${args.command.join(" ")}`.slice(0, 500),
                schedule: args.cron,
                timeZone: "Etc/UTC",
                retryConfig: { ...SCHEDULER_RETRY },
                httpTarget: {
                    httpMethod: "POST",
                    uri: pulumi.interpolate`https://run.googleapis.com/v2/projects/${ctx.project}/locations/${ctx.region}/jobs/${job.name}:run`,
                    oauthToken: { serviceAccountEmail: args.invokerEmail, scope: "https://www.googleapis.com/auth/cloud-platform" },
                },
            },
            { parent: this, dependsOn: [ctx.apis, invoker] },
        );
        this.jobName = job.name;
        this.registerOutputs({ jobName: this.jobName });
    }
}
