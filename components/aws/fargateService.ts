// The application on ECS Fargate: cluster, logs, secrets, the two IAM roles,
// the task definition, the service behind the load balancer, and autoscaling.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { pullImageStatements, readSecretsStatements } from "./iamStatements";
import { ServiceArgs } from "../serviceArgs";
import { uniqueName } from "../naming";
import { Architecture } from "../settings";
import { fargateCpuUnits } from "../sizing";

/** A secret the task reads by reference: ECS resolves it at start, so the value never enters the task definition. */
export interface SecretReference {
    /** ARN of the Secrets Manager secret; the execution role may read exactly these. */
    readonly secretArn: pulumi.Input<string>;
    /** What ECS resolves, e.g. `<arn>:password::` for one JSON key. @default secretArn */
    readonly valueFrom?: pulumi.Input<string>;
}

export interface FargateServiceArgs extends ServiceArgs {
    /** Subnets the tasks run in: private ones, unless `assignPublicIp` (no NAT) puts them in public ones. */
    readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** Give each task a public IP, so it reaches ECR, Secrets Manager and CloudWatch Logs without NAT; its security group still admits only the load balancer. @default false */
    readonly assignPublicIp?: boolean;
    /** CPU architecture the image is built for. @default "x86_64" */
    readonly architecture?: Architecture;
    /** Percent (0-100) of the tasks above the first that run on Fargate Spot. @default 0 (all on-demand) */
    readonly spotShare?: number;
    readonly securityGroupId: pulumi.Input<string>;
    readonly targetGroupArn: pulumi.Input<string>;
    /** `app/<name>/<id>` of the balancer, for the request-count scaling metric. */
    readonly loadBalancerArnSuffix: pulumi.Input<string>;
    readonly targetGroupArnSuffix: pulumi.Input<string>;
    /** The listener forwarding to the target group; ECS rejects a target group no listener uses. */
    readonly listener: pulumi.Resource;
    /** The ECR repository the image lives in; the execution role may pull from it only. */
    readonly repositoryArn: pulumi.Input<string>;
    /** CloudWatch log retention, days (the `logRetentionDays` setting). */
    readonly logRetentionDays: number;
    /** Secrets other components created (database, cache), by environment name. @default {} */
    readonly secretReferences?: Readonly<Record<string, SecretReference>>;
    /** Seconds the balancer's health checks are ignored after a task starts. @default 60 */
    readonly healthCheckGracePeriod?: number;
    /** Seconds between SIGTERM and SIGKILL; above the app's 8 s graceful drain, at most Fargate's 120. @default 30 */
    readonly stopTimeout?: number;
    /** CloudWatch alarms that fail a deployment and roll it back when one fires during it. @default none (the circuit breaker only) */
    readonly deploymentAlarmNames?: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * A value that is known only once the release step has succeeded (its task
     * ARN): the service's new task definition waits for it, so a failed
     * release leaves the service on its previous revision. @default none
     */
    readonly releaseGate?: pulumi.Input<string>;
}

/**
 * What every task on the service's image shares: cluster, roles, logs, network
 * and the web container, for the workers, scheduled jobs and release task
 * (components/aws/processTaskDefinition.ts) to reuse instead of copying.
 */
export interface TaskFoundation {
    readonly clusterArn: pulumi.Output<string>;
    readonly clusterName: pulumi.Output<string>;
    /** May pull the image, read exactly the stack's secrets and write the log group. */
    readonly executionRoleArn: pulumi.Output<string>;
    /** The app's own permissions (none). */
    readonly taskRoleArn: pulumi.Output<string>;
    readonly logGroupName: pulumi.Output<string>;
    /** The web container, secrets by reference; a process's container is this with its own command. */
    readonly container: Readonly<Record<string, unknown>>;
    readonly architecture: Architecture;
    readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    readonly securityGroupId: pulumi.Input<string>;
    readonly assignPublicIp: boolean;
}

export const FARGATE_DEFAULTS = { healthCheckGracePeriod: 60, stopTimeout: 30 } as const;
/** The container's name in the task definition, used by the load balancer mapping. */
export const CONTAINER_NAME = "app";
/** Non-root uid the image's user runs as. */
export const CONTAINER_USER = "10001";

/** Share of a task's request capacity at which request-count scaling adds tasks. */
export const REQUEST_UTILISATION = 0.7;
/** Mean response time the request target assumes, seconds. */
export const ASSUMED_RESPONSE_SECONDS = 1;

/**
 * Target for `ALBRequestCountPerTarget` (requests per task per minute). By
 * Little's law a task holding `concurrency` requests at once, each taking
 * ASSUMED_RESPONSE_SECONDS, completes `concurrency / ASSUMED_RESPONSE_SECONDS`
 * requests a second, `* 60` a minute. Aiming at REQUEST_UTILISATION of that
 * starts scale-out while there is still headroom, since a new task takes about
 * a minute to pass health checks. With the default concurrency 80: 3360.
 */
export function requestsPerTargetPerMinute(concurrency: number): number {
    return Math.round((concurrency / ASSUMED_RESPONSE_SECONDS) * 60 * REQUEST_UTILISATION);
}

/**
 * Where the service's tasks run when some may be on Spot: the first task always
 * on-demand (`base`), the rest split by weight. ECS accepts weights 0-1000 and
 * a base on one provider only.
 */
export function capacityStrategy(spotShare: number): Array<{ capacityProvider: "FARGATE" | "FARGATE_SPOT"; base?: number; weight: number }> {
    if (!Number.isInteger(spotShare) || spotShare < 0 || spotShare > 100) {
        throw new Error(`spotShare = ${spotShare}: a whole percent from 0 to 100`);
    }
    return [
        { capacityProvider: "FARGATE", base: 1, weight: 100 - spotShare },
        { capacityProvider: "FARGATE_SPOT", weight: spotShare },
    ];
}

/** Scale out after a minute, in after five: a new task takes about a minute to serve. Seconds. */
export const SCALING_COOLDOWNS = { scaleOutCooldown: 60, scaleInCooldown: 300 } as const;

/** Target tracking on the service's average CPU (`${name}-scale-cpu`), shared by the web service and the workers. */
export function scaleOnCpu(name: string, target: aws.appautoscaling.Target, cpuTarget: number, parent: pulumi.Resource): aws.appautoscaling.Policy {
    return new aws.appautoscaling.Policy(
        `${name}-scale-cpu`,
        {
            policyType: "TargetTrackingScaling",
            serviceNamespace: target.serviceNamespace,
            scalableDimension: target.scalableDimension,
            resourceId: target.resourceId,
            targetTrackingScalingPolicyConfiguration: {
                predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
                targetValue: cpuTarget,
                ...SCALING_COOLDOWNS,
            },
        },
        { parent },
    );
}

/** What differs between the task definitions of the stack's processes; the rest is one shape for all. */
export interface FargateTaskDefinitionArgs {
    readonly family: string;
    readonly architecture?: Architecture;
    /** vCPU. */
    readonly cpu: number;
    /** MiB. */
    readonly memory: number;
    readonly executionRoleArn: pulumi.Input<string>;
    readonly taskRoleArn: pulumi.Input<string>;
    /** The one container, as ECS takes it. */
    readonly container: Record<string, unknown>;
}

/** A Fargate task definition of one container, named `${name}-task`: the web service's and every other process's. */
export function fargateTaskDefinition(name: string, args: FargateTaskDefinitionArgs, parent: pulumi.Resource): aws.ecs.TaskDefinition {
    return new aws.ecs.TaskDefinition(
        `${name}-task`,
        {
            family: args.family,
            requiresCompatibilities: ["FARGATE"],
            networkMode: "awsvpc",
            runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: args.architecture === "arm64" ? "ARM64" : "X86_64" },
            cpu: String(fargateCpuUnits(args.cpu)),
            memory: String(args.memory),
            executionRoleArn: args.executionRoleArn,
            taskRoleArn: args.taskRoleArn,
            // Task-local scratch space: the only writable path under a read-only root.
            volumes: [{ name: "tmp" }],
            containerDefinitions: pulumi.jsonStringify([args.container]),
        },
        { parent },
    );
}

/** Task definition family: the stack's identity, in the characters ECS allows. */
export function taskFamily(project: string, stack: string): string {
    return uniqueName([project, stack], 255);
}

export class FargateService extends pulumi.ComponentResource {
    readonly clusterName: pulumi.Output<string>;
    readonly serviceName: pulumi.Output<string>;
    readonly logGroupName: pulumi.Output<string>;
    readonly taskDefinitionArn: pulumi.Output<string>;
    readonly foundation: TaskFoundation;

    constructor(name: string, args: FargateServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:aws:FargateService", name, {}, opts);
        const logRetentionDays = args.logRetentionDays;
        const healthCheckGracePeriod = args.healthCheckGracePeriod ?? FARGATE_DEFAULTS.healthCheckGracePeriod;
        const stopTimeout = args.stopTimeout ?? FARGATE_DEFAULTS.stopTimeout;
        if (stopTimeout < 1 || stopTimeout > 120) {
            throw new Error(`stopTimeout = ${stopTimeout}: Fargate allows 1 to 120 seconds`);
        }

        const cluster = new aws.ecs.Cluster(
            `${name}-cluster`,
            { settings: [{ name: "containerInsights", value: "enabled" }] },
            { parent: this },
        );
        const logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, { retentionInDays: logRetentionDays }, { parent: this });
        const spotShare = args.spotShare ?? 0;
        // Spot needs the cluster to offer both Fargate capacity providers; a service with a strategy names no launch type.
        const capacity =
            spotShare > 0
                ? new aws.ecs.ClusterCapacityProviders(`${name}-capacity`, { clusterName: cluster.name, capacityProviders: ["FARGATE", "FARGATE_SPOT"] }, { parent: this })
                : undefined;

        const secrets = this.createSecrets(name, args);
        const { executionRole, taskRole } = this.createRoles(name, args, secrets, logGroup);
        const { taskDefinition, container } = this.createTaskDefinition(name, args, secrets, logGroup, executionRole, taskRole, stopTimeout);
        this.foundation = {
            clusterArn: cluster.arn,
            clusterName: cluster.name,
            executionRoleArn: executionRole.arn,
            taskRoleArn: taskRole.arn,
            logGroupName: logGroup.name,
            container,
            architecture: args.architecture ?? "x86_64",
            subnetIds: args.subnetIds,
            securityGroupId: args.securityGroupId,
            assignPublicIp: args.assignPublicIp ?? false,
        };

        const service = new aws.ecs.Service(
            `${name}-service`,
            {
                cluster: cluster.arn,
                taskDefinition: args.releaseGate ? pulumi.all([taskDefinition.arn, args.releaseGate]).apply(([arn]) => arn) : taskDefinition.arn,
                ...(capacity ? { capacityProviderStrategies: capacityStrategy(spotShare) } : { launchType: "FARGATE" }),
                platformVersion: "LATEST",
                desiredCount: args.minInstances,
                networkConfiguration: { subnets: args.subnetIds, securityGroups: [args.securityGroupId], assignPublicIp: args.assignPublicIp ?? false },
                loadBalancers: [{ targetGroupArn: args.targetGroupArn, containerName: CONTAINER_NAME, containerPort: args.port }],
                healthCheckGracePeriodSeconds: healthCheckGracePeriod,
                // Never below the running count during a rollout; a failing release rolls back on its own.
                deploymentMinimumHealthyPercent: 100,
                deploymentMaximumPercent: 200,
                deploymentCircuitBreaker: { enable: true, rollback: true },
                // The breaker catches tasks that never get healthy; the alarms catch a release that starts, then fails requests.
                ...(args.deploymentAlarmNames ? { alarms: { alarmNames: args.deploymentAlarmNames, enable: true, rollback: true } } : {}),
                availabilityZoneRebalancing: "ENABLED",
                enableEcsManagedTags: true,
                propagateTags: "SERVICE",
                waitForSteadyState: true,
            },
            // Autoscaling owns the running count after creation; a deploy must not reset it to the minimum.
            { parent: this, dependsOn: [args.listener, ...(capacity ? [capacity] : [])], ignoreChanges: ["desiredCount"] },
        );

        this.createAutoscaling(name, args, cluster, service);

        this.clusterName = cluster.name;
        this.serviceName = service.name;
        this.logGroupName = logGroup.name;
        this.taskDefinitionArn = taskDefinition.arn;
        this.registerOutputs({
            clusterName: this.clusterName,
            serviceName: this.serviceName,
            logGroupName: this.logGroupName,
            taskDefinitionArn: this.taskDefinitionArn,
        });
    }

    /** One Secrets Manager secret per secret setting, plus the references other components handed in. */
    private createSecrets(name: string, args: FargateServiceArgs): Record<string, SecretReference> {
        const refs: Record<string, SecretReference> = {};
        for (const key of Object.keys(args.secrets).sort()) {
            const slug = key.toLowerCase().replace(/_/g, "-");
            const secret = new aws.secretsmanager.Secret(
                `${name}-secret-${slug}`,
                {
                    description: `${key} for ${pulumi.getProject()}/${pulumi.getStack()}`,
                    // A disposable stack can be re-created at once; a protected one keeps a deleted secret recoverable.
                    recoveryWindowInDays: args.protect ? 30 : 0,
                },
                { parent: this },
            );
            new aws.secretsmanager.SecretVersion(
                `${name}-secret-${slug}-value`,
                { secretId: secret.id, secretString: pulumi.secret(args.secrets[key]) },
                { parent: this },
            );
            refs[key] = { secretArn: secret.arn };
        }
        for (const [key, ref] of Object.entries(args.secretReferences ?? {})) {
            if (key in refs) {
                throw new Error(`secret ${key} is both a secret setting and set by the stack; rename the setting`);
            }
            refs[key] = ref;
        }
        return refs;
    }

    /**
     * The execution role (used by ECS to start the task) may pull this image,
     * read exactly these secrets and write to this log group. The task role
     * (what the app's own code may do) starts empty.
     */
    private createRoles(name: string, args: FargateServiceArgs, secrets: Record<string, SecretReference>, logGroup: aws.cloudwatch.LogGroup) {
        const identity = aws.getCallerIdentityOutput({}, { parent: this });
        const region = aws.getRegionOutput({}, { parent: this });
        // Only ECS acting for this account may assume the roles (confused-deputy protection).
        const assumeRolePolicy = pulumi.all([identity.accountId, region.region]).apply(([account, regionName]) =>
            JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                    {
                        Effect: "Allow",
                        Principal: { Service: "ecs-tasks.amazonaws.com" },
                        Action: "sts:AssumeRole",
                        Condition: {
                            StringEquals: { "aws:SourceAccount": account },
                            ArnLike: { "aws:SourceArn": `arn:aws:ecs:${regionName}:${account}:*` },
                        },
                    },
                ],
            }),
        );

        const executionRole = new aws.iam.Role(
            `${name}-execution-role`,
            { assumeRolePolicy, description: "ECS agent: pull the image, read this stack's secrets, write logs" },
            { parent: this },
        );
        const secretArns = Object.values(secrets).map((s) => s.secretArn);
        new aws.iam.RolePolicy(
            `${name}-execution-policy`,
            {
                role: executionRole.id,
                policy: pulumi.all([args.repositoryArn, logGroup.arn, pulumi.all(secretArns)]).apply(([repositoryArn, logGroupArn, arns]) =>
                    JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [
                            ...pullImageStatements(repositoryArn),
                            { Sid: "WriteLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: [`${logGroupArn}:*`] },
                            ...readSecretsStatements(arns),
                        ],
                    }),
                ),
            },
            { parent: this },
        );

        const taskRole = new aws.iam.Role(
            `${name}-task-role`,
            { assumeRolePolicy, description: "The application's own permissions: none until it needs some" },
            { parent: this },
        );
        return { executionRole, taskRole };
    }

    private createTaskDefinition(
        name: string,
        args: FargateServiceArgs,
        secrets: Record<string, SecretReference>,
        logGroup: aws.cloudwatch.LogGroup,
        executionRole: aws.iam.Role,
        taskRole: aws.iam.Role,
        stopTimeout: number,
    ): { taskDefinition: aws.ecs.TaskDefinition; container: Record<string, unknown> } {
        const region = aws.getRegionOutput({}, { parent: this }).region;
        const env: Record<string, pulumi.Input<string>> = { ...args.env, PORT: String(args.port) };
        const healthUrl = `http://127.0.0.1:${args.port}/healthz`;
        const container = {
            name: CONTAINER_NAME,
            image: args.image,
            essential: true,
            portMappings: [{ containerPort: args.port, protocol: "tcp" }],
            environment: Object.keys(env)
                .sort()
                .map((k) => ({ name: k, value: env[k] })),
            secrets: Object.keys(secrets)
                .sort()
                .map((k) => ({ name: k, valueFrom: secrets[k].valueFrom ?? secrets[k].secretArn })),
            logConfiguration: {
                logDriver: "awslogs",
                options: {
                    "awslogs-group": logGroup.name,
                    "awslogs-region": region,
                    "awslogs-stream-prefix": CONTAINER_NAME,
                    // A slow CloudWatch must not block the app's stdout writes.
                    mode: "non-blocking",
                    "max-buffer-size": "25m",
                },
            },
            // The image's own HEALTHCHECK interpreter (app/Dockerfile): no shell, no curl, and no
            // python3 on PATH. urlopen raises (exit 1) on anything but 2xx/3xx.
            healthCheck: {
                command: ["CMD", "/opt/venv/bin/python", "-c", `import urllib.request; urllib.request.urlopen('${healthUrl}', timeout=3)`],
                interval: 15,
                timeout: 5,
                retries: 3,
                startPeriod: 30,
            },
            user: CONTAINER_USER,
            readonlyRootFilesystem: true,
            mountPoints: [{ sourceVolume: "tmp", containerPath: "/tmp", readOnly: false }],
            linuxParameters: { capabilities: { drop: ["ALL"] }, initProcessEnabled: true },
            // The app drains in 8 s; this leaves room for the master to exit before SIGKILL.
            stopTimeout,
        };

        const taskDefinition = fargateTaskDefinition(
            name,
            {
                family: taskFamily(pulumi.getProject(), pulumi.getStack()),
                architecture: args.architecture,
                cpu: args.cpu,
                memory: args.memory,
                executionRoleArn: executionRole.arn,
                taskRoleArn: taskRole.arn,
                container,
            },
            this,
        );
        return { taskDefinition, container };
    }

    /** Target tracking on CPU and on requests per task: out in a minute, in over five. */
    private createAutoscaling(name: string, args: FargateServiceArgs, cluster: aws.ecs.Cluster, service: aws.ecs.Service): void {
        const target = new aws.appautoscaling.Target(
            `${name}-scaling`,
            {
                serviceNamespace: "ecs",
                scalableDimension: "ecs:service:DesiredCount",
                resourceId: pulumi.interpolate`service/${cluster.name}/${service.name}`,
                minCapacity: args.minInstances,
                maxCapacity: args.maxInstances,
            },
            { parent: this },
        );
        scaleOnCpu(name, target, args.cpuTarget, this);
        // With two target-tracking policies ECS scales out when either asks and in only when both agree.
        new aws.appautoscaling.Policy(
            `${name}-scale-requests`,
            {
                policyType: "TargetTrackingScaling",
                serviceNamespace: target.serviceNamespace,
                scalableDimension: target.scalableDimension,
                resourceId: target.resourceId,
                targetTrackingScalingPolicyConfiguration: {
                    predefinedMetricSpecification: {
                        predefinedMetricType: "ALBRequestCountPerTarget",
                        resourceLabel: pulumi.interpolate`${args.loadBalancerArnSuffix}/${args.targetGroupArnSuffix}`,
                    },
                    targetValue: requestsPerTargetPerMinute(args.concurrency),
                    ...SCALING_COOLDOWNS,
                },
            },
            { parent: this },
        );
    }
}
