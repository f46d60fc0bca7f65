// One scheduled job on AWS: EventBridge Scheduler runs the job's own task
// definition on Fargate, on a cron in UTC, in the task subnets. The schedule's
// role may run exactly that task family in this cluster and pass exactly its
// two roles. Invocations that still fail after the retries land in an
// encrypted dead-letter queue, and a message there raises an alarm.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { uniqueName } from "../naming";
import { eventBridgeCron } from "../processSettings";
import { TaskFoundation } from "./fargateService";
import { processTaskDefinition } from "./processTaskDefinition";

/** EventBridge Scheduler's retry policy: attempts after the first, and how long an invocation is worth retrying. */
export const SCHEDULE_RETRY = { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 } as const;
/** SQS's longest retention, so a failed invocation is kept two weeks for someone to look at. */
export const DLQ_RETENTION_SECONDS = 1209600;

export interface ScheduledTaskArgs {
    readonly foundation: TaskFoundation;
    /** `job-<name>` for the schedule `<name>` of the `schedules` setting: its task family and log stream prefix. */
    readonly job: string;
    /** The command, as argv. */
    readonly command: readonly string[];
    /** Five-field cron, UTC. */
    readonly cron: string;
    /** Longest a run may take, seconds: handed to the job as JOB_TIMEOUT_SECONDS (ECS has no run timeout of its own). */
    readonly timeoutSeconds: number;
    readonly cpu: number;
    readonly memory: number;
    /** SNS topic the dead-letter alarm notifies. @default none (the alarm still shows in the console) */
    readonly alarmTopicArn?: pulumi.Input<string>;
    /** Resources to wait for before updating (the release step). @default none */
    readonly waitFor?: readonly pulumi.Resource[];
}

export class ScheduledTask extends pulumi.ComponentResource {
    readonly scheduleName: pulumi.Output<string>;
    readonly deadLetterQueueUrl: pulumi.Output<string>;

    constructor(name: string, args: ScheduledTaskArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:aws:ScheduledTask", name, {}, opts);
        const f = args.foundation;
        const taskDefinition = processTaskDefinition(
            name,
            f,
            { process: args.job, command: args.command, cpu: args.cpu, memory: args.memory, env: { JOB_TIMEOUT_SECONDS: String(args.timeoutSeconds) } },
            this,
        );

        const dlq = new aws.sqs.Queue(`${name}-dlq`, { sqsManagedSseEnabled: true, messageRetentionSeconds: DLQ_RETENTION_SECONDS }, { parent: this });
        new aws.cloudwatch.MetricAlarm(
            `${name}-dlq-alarm`,
            {
                alarmDescription: `Scheduled job ${args.job} could not be started (EventBridge Scheduler gave up and wrote to its dead-letter queue)`,
                namespace: "AWS/SQS",
                metricName: "ApproximateNumberOfMessagesVisible",
                dimensions: { QueueName: dlq.name },
                statistic: "Maximum",
                period: 300,
                evaluationPeriods: 1,
                threshold: 0,
                comparisonOperator: "GreaterThanThreshold",
                treatMissingData: "notBreaching",
                ...(args.alarmTopicArn ? { alarmActions: [args.alarmTopicArn] } : {}),
            },
            { parent: this },
        );

        const role = this.createRole(name, args, taskDefinition, dlq);

        const schedule = new aws.scheduler.Schedule(
            `${name}-schedule`,
            {
                name: uniqueName([pulumi.getProject(), pulumi.getStack(), args.job], 64),
                description: `Runs ${args.job}: ${args.command.join(" ")}`.slice(0, 512),
                scheduleExpression: eventBridgeCron(args.cron),
                scheduleExpressionTimezone: "UTC",
                flexibleTimeWindow: { mode: "OFF" },
                state: "ENABLED",
                target: {
                    arn: f.clusterArn,
                    roleArn: role.arn,
                    ecsParameters: {
                        taskDefinitionArn: taskDefinition.arn,
                        launchType: "FARGATE",
                        platformVersion: "LATEST",
                        taskCount: 1,
                        networkConfiguration: { subnets: f.subnetIds, securityGroups: [f.securityGroupId], assignPublicIp: f.assignPublicIp },
                    },
                    retryPolicy: { ...SCHEDULE_RETRY },
                    deadLetterConfig: { arn: dlq.arn },
                },
            },
            { parent: this, dependsOn: [...(args.waitFor ?? [])] },
        );

        this.scheduleName = schedule.name;
        this.deadLetterQueueUrl = dlq.url;
        this.registerOutputs({ scheduleName: this.scheduleName, deadLetterQueueUrl: this.deadLetterQueueUrl });
    }

    /**
     * Assumed by EventBridge Scheduler for this account only. It may run this
     * job's task family (any revision) in this cluster, pass the task's two
     * roles to ECS tasks, and write to this job's dead-letter queue.
     */
    private createRole(name: string, args: ScheduledTaskArgs, taskDefinition: aws.ecs.TaskDefinition, dlq: aws.sqs.Queue): aws.iam.Role {
        const identity = aws.getCallerIdentityOutput({}, { parent: this });
        const role = new aws.iam.Role(
            `${name}-role`,
            {
                description: `EventBridge Scheduler: run the ${args.job} task and nothing else`,
                assumeRolePolicy: identity.accountId.apply((account) =>
                    JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [
                            {
                                Effect: "Allow",
                                Principal: { Service: "scheduler.amazonaws.com" },
                                Action: "sts:AssumeRole",
                                Condition: { StringEquals: { "aws:SourceAccount": account } },
                            },
                        ],
                    }),
                ),
            },
            { parent: this },
        );
        new aws.iam.RolePolicy(
            `${name}-policy`,
            {
                role: role.id,
                policy: pulumi
                    .all([taskDefinition.arnWithoutRevision, args.foundation.clusterArn, args.foundation.executionRoleArn, args.foundation.taskRoleArn, dlq.arn])
                    .apply(([family, cluster, executionRole, taskRole, queue]) =>
                        JSON.stringify({
                            Version: "2012-10-17",
                            Statement: [
                                { Sid: "RunThisTask", Effect: "Allow", Action: ["ecs:RunTask"], Resource: [`${family}:*`], Condition: { ArnEquals: { "ecs:cluster": cluster } } },
                                {
                                    Sid: "PassTheTaskRoles",
                                    Effect: "Allow",
                                    Action: ["iam:PassRole"],
                                    Resource: [executionRole, taskRole],
                                    Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
                                },
                                { Sid: "DeadLetters", Effect: "Allow", Action: ["sqs:SendMessage"], Resource: [queue] },
                            ],
                        }),
                    ),
            },
            { parent: this },
        );
        return role;
    }
}
