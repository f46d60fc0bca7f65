// Every process besides web on ECS: the release step, the Procfile's workers
// and the scheduled jobs, each on the web service's image, roles and secrets.
// Workers and schedules change only after the release step has succeeded.
import * as pulumi from "@pulumi/pulumi";
import { ProcessPlan } from "../procfile";
import { TaskFoundation } from "./fargateService";
import { ReleaseTask } from "./releaseTask";
import { ScheduledTask } from "./scheduledTask";
import { WorkerService } from "./workerService";

export interface EcsProcessesArgs {
    /** What the Procfile and the `processes`/`schedules` settings ask for. */
    readonly plan: ProcessPlan;
    readonly foundation: TaskFoundation;
    /** The digest-pinned image being deployed. */
    readonly image: pulumi.Input<string>;
    /** Workers' autoscaling CPU target, percent (the stack's cpuTarget). */
    readonly cpuTarget: number;
    /** Where alarms go (the dead-letter alarms of schedules). @default none */
    readonly alarmTopicArn?: pulumi.Input<string>;
    /** What the release task needs in place before it starts, e.g. the network's routes: it is not retried. @default none */
    readonly waitFor?: readonly pulumi.Resource[];
}

export class EcsProcesses extends pulumi.ComponentResource {
    /** Known once the release has succeeded; undefined without a release process. */
    readonly releaseTaskArn?: pulumi.Output<string>;
    readonly workerServiceNames: Readonly<Record<string, pulumi.Output<string>>>;
    readonly scheduleNames: Readonly<Record<string, pulumi.Output<string>>>;

    constructor(name: string, args: EcsProcessesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:aws:EcsProcesses", name, {}, opts);
        const { plan, foundation } = args;
        const release = plan.release
            ? new ReleaseTask(`${name}-release`, { foundation, image: args.image, command: plan.release.command, cpu: plan.release.cpu, memory: plan.release.memory, waitFor: args.waitFor }, { parent: this })
            : undefined;
        const waitFor = release ? [release.run] : [];

        const workers: Record<string, pulumi.Output<string>> = {};
        for (const w of plan.workers) {
            const worker = new WorkerService(
                `${name}-worker-${w.name}`,
                { foundation, process: w.name, command: w.command, cpu: w.cpu, memory: w.memory, minInstances: w.minInstances, maxInstances: w.maxInstances, cpuTarget: args.cpuTarget, waitFor },
                { parent: this },
            );
            workers[w.name] = worker.serviceName;
        }
        const schedules: Record<string, pulumi.Output<string>> = {};
        for (const s of plan.schedules) {
            const job = new ScheduledTask(
                `${name}-job-${s.name}`,
                { foundation, job: `job-${s.name}`, command: s.argv, cron: s.cron, timeoutSeconds: s.timeoutSeconds, cpu: s.cpu, memory: s.memory, alarmTopicArn: args.alarmTopicArn, waitFor },
                { parent: this },
            );
            schedules[s.name] = job.scheduleName;
        }

        this.releaseTaskArn = release?.taskArn;
        this.workerServiceNames = workers;
        this.scheduleNames = schedules;
        this.registerOutputs({ releaseTaskArn: this.releaseTaskArn, workerServiceNames: workers, scheduleNames: schedules });
    }
}
