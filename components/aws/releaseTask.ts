// The release step on AWS: a one-off Fargate task with the new image and the
// Procfile's release command, run to completion during `pulumi up` before the
// web and worker services change. Pulumi has no "run a task" resource
// (pulumi/pulumi#5083) and `aws.ecs.getTaskExecution` starts a task on every
// preview without waiting for it, so a dynamic resource does it: its provider
// runs in the Pulumi program's own Node process at deploy time and calls ECS
// through the AWS SDK (no AWS CLI needed), with the credentials of the
// default chain, as the AWS provider finds them.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { CONTAINER_NAME, TaskFoundation } from "./fargateService";
import { processTaskDefinition } from "./processTaskDefinition";

/** How long a release may run before the deploy stops it and fails, seconds. */
export const RELEASE_TIMEOUT_SECONDS = 1800;
/** The log stream prefix, and the process name, of the release task. */
export const RELEASE_PROCESS = "release";

/** What the release run is given; a change to the image, command or task definition runs it again. */
export interface ReleaseRunInputs {
    readonly region: string;
    readonly clusterArn: string;
    readonly taskDefinitionArn: string;
    /** The digest-pinned image, for the diff and the message. */
    readonly image: string;
    readonly command: string[];
    readonly subnets: string[];
    readonly securityGroups: string[];
    readonly assignPublicIp: boolean;
    readonly logGroupName: string;
    readonly containerName: string;
    readonly streamPrefix: string;
    readonly timeoutSeconds: number;
    /** Seconds between status checks. @default 6 */
    readonly pollSeconds?: number;
}

/** What a completed run records. */
export interface ReleaseRunOutputs extends ReleaseRunInputs {
    readonly taskArn: string;
    readonly exitCode: number;
}

/**
 * Starts the task and waits for it to stop. Resolves with the task ARN when the
 * container exits 0; otherwise rejects with the exit code (or why ECS stopped
 * it) and where its logs are. Self-contained: Pulumi serializes this function
 * into the deployment, so it may use only its argument and `require`.
 */
export async function runReleaseTask(inputs: ReleaseRunInputs): Promise<{ taskArn: string; exitCode: number }> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ecs = require("@aws-sdk/client-ecs");
    const client = new ecs.ECSClient({ region: inputs.region });
    const started = await client.send(
        new ecs.RunTaskCommand({
            cluster: inputs.clusterArn,
            taskDefinition: inputs.taskDefinitionArn,
            launchType: "FARGATE",
            platformVersion: "LATEST",
            count: 1,
            startedBy: "pulumi-release",
            networkConfiguration: {
                awsvpcConfiguration: { subnets: inputs.subnets, securityGroups: inputs.securityGroups, assignPublicIp: inputs.assignPublicIp ? "ENABLED" : "DISABLED" },
            },
        }),
    );
    const task = started.tasks?.[0];
    if (!task?.taskArn) {
        const why = (started.failures ?? []).map((f: { arn?: string; reason?: string; detail?: string }) => `${f.reason ?? "unknown"}${f.detail ? ` (${f.detail})` : ""}`).join("; ");
        throw new Error(`release: ECS did not start the release task: ${why || "no task and no failure reported"}. The services keep their previous revision; run pulumi up again to retry.`);
    }
    const taskArn: string = task.taskArn;
    const taskId = taskArn.split("/").pop();
    const stream = `${inputs.streamPrefix}/${inputs.containerName}/${taskId}`;
    const enc = (s: string): string => encodeURIComponent(encodeURIComponent(s)).replace(/%/g, "$");
    const logs =
        `CloudWatch Logs group ${inputs.logGroupName}, stream ${stream}: ` +
        `https://${inputs.region}.console.aws.amazon.com/cloudwatch/home?region=${inputs.region}#logsV2:log-groups/log-group/${enc(inputs.logGroupName)}/log-events/${enc(stream)}`;
    const deadline = Date.now() + inputs.timeoutSeconds * 1000;
    for (;;) {
        await new Promise((resolve) => setTimeout(resolve, (inputs.pollSeconds ?? 6) * 1000));
        const described = await client.send(new ecs.DescribeTasksCommand({ cluster: inputs.clusterArn, tasks: [taskArn] }));
        const t = described.tasks?.[0];
        if (t?.lastStatus === "STOPPED") {
            const container = (t.containers ?? []).find((c: { name?: string }) => c.name === inputs.containerName);
            const exitCode = container?.exitCode;
            if (exitCode === 0) {
                return { taskArn, exitCode };
            }
            const what =
                exitCode === undefined || exitCode === null
                    ? `stopped before the command ran (${t.stoppedReason ?? "no reason given"}${container?.reason ? `; ${container.reason}` : ""})`
                    : `exited with code ${exitCode}`;
            throw new Error(
                `release: "${inputs.command.join(" ")}" ${what} in task ${taskArn}. Logs: ${logs}. ` +
                    "The web and worker services keep their previous revision; fix the cause and run pulumi up again to retry.",
            );
        }
        if (Date.now() > deadline) {
            await client.send(new ecs.StopTaskCommand({ cluster: inputs.clusterArn, task: taskArn, reason: `release exceeded ${inputs.timeoutSeconds} s` }));
            throw new Error(`release: "${inputs.command.join(" ")}" ran longer than ${inputs.timeoutSeconds} s and was stopped (task ${taskArn}). Logs: ${logs}. The services keep their previous revision.`);
        }
    }
}

/** Whether a release must run again: the image, the command or the task definition changed. */
export function releaseChanged(olds: Partial<ReleaseRunInputs>, news: ReleaseRunInputs): boolean {
    return olds.image !== news.image || olds.taskDefinitionArn !== news.taskDefinitionArn || JSON.stringify(olds.command) !== JSON.stringify(news.command);
}

/** The dynamic provider: create and update run the task to completion; delete has nothing to undo. */
export const releaseRunProvider: pulumi.dynamic.ResourceProvider<ReleaseRunInputs, ReleaseRunOutputs> = {
    async diff(_id, olds, news) {
        return { changes: releaseChanged(olds, news) };
    },
    async create(inputs) {
        const run = await runReleaseTask(inputs);
        return { id: run.taskArn, outs: { ...inputs, ...run } };
    },
    async update(_id, _olds, news) {
        const run = await runReleaseTask(news);
        return { outs: { ...news, ...run } };
    },
};

/** `ReleaseRunInputs`, as inputs that may still be unknown at declaration time. */
export type ReleaseRunArgs = {
    readonly [K in keyof ReleaseRunInputs]: ReleaseRunInputs[K] extends string[] ? pulumi.Input<pulumi.Input<string>[]> : pulumi.Input<ReleaseRunInputs[K]>;
};

/** A completed run of the release task; its outputs exist only once the command has exited 0. */
export class ReleaseRun extends pulumi.dynamic.Resource {
    declare readonly taskArn: pulumi.Output<string>;
    declare readonly exitCode: pulumi.Output<number>;

    constructor(name: string, args: ReleaseRunArgs, opts?: pulumi.CustomResourceOptions) {
        super(releaseRunProvider, name, { ...args, taskArn: undefined, exitCode: undefined }, opts, "ecs", "ReleaseRun");
    }
}

export interface ReleaseTaskArgs {
    readonly foundation: TaskFoundation;
    /** The digest-pinned image being deployed. */
    readonly image: pulumi.Input<string>;
    /** The Procfile's release command, as argv. */
    readonly command: readonly string[];
    readonly cpu: number;
    readonly memory: number;
    /** @default RELEASE_TIMEOUT_SECONDS */
    readonly timeoutSeconds?: number;
    /** Resources the run waits for (the network): ECS does not retry a one-off task. @default none */
    readonly waitFor?: readonly pulumi.Resource[];
}

export class ReleaseTask extends pulumi.ComponentResource {
    /** The run; the services wait for it. */
    readonly run: ReleaseRun;
    /** Known once the release has succeeded: the web service's task definition waits on it. */
    readonly taskArn: pulumi.Output<string>;

    constructor(name: string, args: ReleaseTaskArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:aws:ReleaseTask", name, {}, opts);
        const f = args.foundation;
        const taskDefinition = processTaskDefinition(name, f, { process: RELEASE_PROCESS, command: args.command, cpu: args.cpu, memory: args.memory }, this);
        this.run = new ReleaseRun(
            `${name}-run`,
            {
                region: aws.getRegionOutput({}, { parent: this }).region,
                clusterArn: f.clusterArn,
                taskDefinitionArn: taskDefinition.arn,
                image: args.image,
                command: [...args.command],
                subnets: f.subnetIds,
                securityGroups: [f.securityGroupId],
                assignPublicIp: f.assignPublicIp,
                logGroupName: f.logGroupName,
                containerName: CONTAINER_NAME,
                streamPrefix: RELEASE_PROCESS,
                timeoutSeconds: args.timeoutSeconds ?? RELEASE_TIMEOUT_SECONDS,
            },
            { parent: this, dependsOn: [...(args.waitFor ?? [])] },
        );
        this.taskArn = this.run.taskArn;
        this.registerOutputs({ taskArn: this.taskArn });
    }
}
