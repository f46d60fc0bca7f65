// The task definition of one non-web process (a worker, a scheduled job, the
// release command): the web task's image, roles, secrets and logs, with the
// process's own command and size, and no port or HTTP health check.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { uniqueName } from "../naming";
import { TaskFoundation, fargateTaskDefinition } from "./fargateService";

/** Fargate's longest stop timeout: a worker gets it all to finish the job in hand after SIGTERM. */
export const PROCESS_STOP_TIMEOUT = 120;

export interface ProcessTaskArgs {
    /** The process type or job name; also the log stream prefix. */
    readonly process: string;
    /** The command, as argv: the image has no shell. */
    readonly command: readonly string[];
    /** vCPU. */
    readonly cpu: number;
    /** MiB. */
    readonly memory: number;
    /** Extra plain environment (e.g. a job's timeout). @default {} */
    readonly env?: Readonly<Record<string, string>>;
}

/** The family of a process's task definitions: the stack's, suffixed with the process name. */
export function processFamily(project: string, stack: string, process: string): string {
    return uniqueName([project, stack, process], 255);
}

/** Declares the process's task definition as a child of `parent`. */
export function processTaskDefinition(name: string, foundation: TaskFoundation, args: ProcessTaskArgs, parent: pulumi.Resource): aws.ecs.TaskDefinition {
    // Drop what only the web process has: its port and its HTTP health check.
    const { portMappings: _port, healthCheck: _health, environment, logConfiguration, ...rest } = foundation.container as Record<string, unknown> & {
        environment: Array<{ name: string; value: pulumi.Input<string> }>;
        logConfiguration: { logDriver: string; options: Record<string, pulumi.Input<string>> };
    };
    const extraEnv = Object.entries(args.env ?? {}).map(([k, value]) => ({ name: k, value }));
    const container = {
        ...rest,
        command: [...args.command],
        environment: [...environment.filter((e) => !(e.name in (args.env ?? {}))), ...extraEnv].sort((a, b) => a.name.localeCompare(b.name)),
        logConfiguration: { ...logConfiguration, options: { ...logConfiguration.options, "awslogs-stream-prefix": args.process } },
        stopTimeout: PROCESS_STOP_TIMEOUT,
    };
    return fargateTaskDefinition(
        name,
        {
            family: processFamily(pulumi.getProject(), pulumi.getStack(), args.process),
            architecture: foundation.architecture,
            cpu: args.cpu,
            memory: args.memory,
            executionRoleArn: foundation.executionRoleArn,
            taskRoleArn: foundation.taskRoleArn,
            container,
        },
        parent,
    );
}
