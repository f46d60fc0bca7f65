// Every process besides web on Cloud Run: the release job, the Procfile's
// workers as worker pools, and the scheduled jobs with their invoker account.
// Workers and scheduled jobs change only after the release job succeeded;
// the web service waits for `releaseJob` too (gcpTarget.ts).
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { label, uniqueId } from "../naming";
import { ProcessPlan } from "../procfile";
import { RELEASE_TOKEN_LENGTH, ReleaseJob } from "./releaseJob";
import { RunProcessContext } from "./processContainer";
import { ScheduledJob } from "./scheduledJob";
import { CloudRunWorkerPool } from "./workerPool";

/** Worker pool IDs have fewer than 50 characters (workerPools.create). */
export const WORKER_POOL_NAME_MAX = 49;
/** Cloud Run job names: under 64 characters; the release job's name leaves room for its execution token. */
export const JOB_NAME_MAX = 63;

export interface RunProcessesArgs {
    readonly plan: ProcessPlan;
    readonly context: RunProcessContext;
    /** Project and stack names, the stem of every ID. */
    readonly stackId: readonly string[];
}

export class RunProcesses extends pulumi.ComponentResource {
    /** The release job, ready once the release succeeded; undefined without a release process. */
    readonly releaseJob?: gcp.cloudrunv2.Job;
    readonly workerPoolNames: Readonly<Record<string, pulumi.Output<string>>>;
    readonly jobNames: Readonly<Record<string, pulumi.Output<string>>>;
    /** The scheduled jobs' invoker; undefined without schedules. */
    readonly invokerEmail?: pulumi.Output<string>;

    constructor(name: string, args: RunProcessesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:gcp:RunProcesses", name, {}, opts);
        const { plan, context: ctx, stackId } = args;

        const release = plan.release
            ? new ReleaseJob(
                  `${name}-release`,
                  { context: ctx, jobName: uniqueId([...stackId, "release"], JOB_NAME_MAX - 1 - RELEASE_TOKEN_LENGTH), command: plan.release.command, cpu: plan.release.cpu, memory: plan.release.memory },
                  { parent: this },
              )
            : undefined;
        const waitFor = release ? [release.job] : [];

        const pools: Record<string, pulumi.Output<string>> = {};
        for (const w of plan.workers) {
            const pool = new CloudRunWorkerPool(
                `${name}-worker-${w.name}`,
                { context: ctx, poolName: uniqueId([...stackId, w.name], WORKER_POOL_NAME_MAX), command: w.command, cpu: w.cpu, memory: w.memory, instances: w.minInstances, waitFor },
                { parent: this },
            );
            pools[w.name] = pool.name;
        }

        const jobs: Record<string, pulumi.Output<string>> = {};
        if (plan.schedules.length > 0) {
            // One account for every schedule, with no project role: each job grants it run.invoker on itself.
            const invoker = new gcp.serviceaccount.Account(
                `${name}-invoker`,
                {
                    project: ctx.project,
                    accountId: uniqueId([...stackId, "sched"], 30),
                    displayName: label(`Scheduled jobs of ${stackId.join(" ")}`, 100),
                    description: "Cloud Scheduler signs in as this account to run this stack's scheduled Cloud Run jobs; it may run those jobs only.",
                },
                { parent: this, dependsOn: [ctx.apis] },
            );
            for (const s of plan.schedules) {
                const job = new ScheduledJob(
                    `${name}-job-${s.name}`,
                    {
                        context: ctx,
                        jobName: uniqueId([...stackId, "job", s.name], JOB_NAME_MAX),
                        schedulerJobId: uniqueId([...stackId, "job", s.name], 500),
                        command: s.argv,
                        cron: s.cron,
                        timeoutSeconds: s.timeoutSeconds,
                        cpu: s.cpu,
                        memory: s.memory,
                        invokerMember: invoker.member,
                        invokerEmail: invoker.email,
                        waitFor,
                    },
                    { parent: this },
                );
                jobs[s.name] = job.jobName;
            }
            this.invokerEmail = invoker.email;
        }

        this.releaseJob = release?.job;
        this.workerPoolNames = pools;
        this.jobNames = jobs;
        this.registerOutputs({ releaseJob: this.releaseJob?.name, workerPoolNames: pools, jobNames: jobs });
    }
}
