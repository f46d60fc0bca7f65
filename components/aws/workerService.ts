// One worker process on ECS Fargate: its own task definition and command on
// the web's image, roles and secrets; a service with no load balancer in the
// task subnets; CPU autoscaling between its min and max; the circuit breaker
// rolls a deployment whose tasks keep failing back to the previous revision.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { TaskFoundation, scaleOnCpu } from "./fargateService";
import { processTaskDefinition } from "./processTaskDefinition";

export interface WorkerServiceArgs {
    readonly foundation: TaskFoundation;
    /** The process type name in the Procfile. */
    readonly process: string;
    /** The command, as argv. */
    readonly command: readonly string[];
    /** vCPU per task. */
    readonly cpu: number;
    /** MiB per task. */
    readonly memory: number;
    /** Tasks always running. */
    readonly minInstances: number;
    /** Most tasks CPU autoscaling may run. */
    readonly maxInstances: number;
    /** Average CPU, percent, autoscaling aims at. */
    readonly cpuTarget: number;
    /** Resources to wait for before updating (the release step). @default none */
    readonly waitFor?: readonly pulumi.Resource[];
}

export class WorkerService extends pulumi.ComponentResource {
    readonly serviceName: pulumi.Output<string>;
    readonly taskDefinitionArn: pulumi.Output<string>;

    constructor(name: string, args: WorkerServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:aws:WorkerService", name, {}, opts);
        const f = args.foundation;
        const taskDefinition = processTaskDefinition(name, f, { process: args.process, command: args.command, cpu: args.cpu, memory: args.memory }, this);

        const service = new aws.ecs.Service(
            `${name}-service`,
            {
                cluster: f.clusterArn,
                taskDefinition: taskDefinition.arn,
                launchType: "FARGATE",
                platformVersion: "LATEST",
                desiredCount: args.minInstances,
                // No load balancer: a worker takes no inbound traffic. It wears the task security group,
                // which the database and cache admit.
                networkConfiguration: { subnets: f.subnetIds, securityGroups: [f.securityGroupId], assignPublicIp: f.assignPublicIp },
                deploymentMinimumHealthyPercent: 100,
                deploymentMaximumPercent: 200,
                deploymentCircuitBreaker: { enable: true, rollback: true },
                availabilityZoneRebalancing: "ENABLED",
                enableEcsManagedTags: true,
                propagateTags: "SERVICE",
                waitForSteadyState: true,
            },
            { parent: this, dependsOn: [...(args.waitFor ?? [])], ignoreChanges: ["desiredCount"] },
        );

        const target = new aws.appautoscaling.Target(
            `${name}-scaling`,
            {
                serviceNamespace: "ecs",
                scalableDimension: "ecs:service:DesiredCount",
                resourceId: pulumi.interpolate`service/${f.clusterName}/${service.name}`,
                minCapacity: args.minInstances,
                maxCapacity: args.maxInstances,
            },
            { parent: this },
        );
        scaleOnCpu(name, target, args.cpuTarget, this);

        this.serviceName = service.name;
        this.taskDefinitionArn = taskDefinition.arn;
        this.registerOutputs({ serviceName: this.serviceName, taskDefinitionArn: this.taskDefinitionArn });
    }
}
