// The Elastic Beanstalk environment: the instance role and profile, the
// environment on the newest "Docker running on 64bit Amazon Linux 2023"
// platform, and every option setting that decides how it runs (network, health,
// deployments, managed updates, logs, scaling, HTTPS, environment and secrets).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { pullImageStatements, readSecretsStatements } from "./iamStatements";
import { ServiceArgs } from "../serviceArgs";
import { uniqueId } from "../naming";
import { AppSecrets } from "./appSecrets";

/** A secret Beanstalk reads at instance boot: the secret, and optionally one top-level key of its JSON value. */
export interface BeanstalkSecretReference {
    readonly secretArn: pulumi.Input<string>;
    /** A top-level JSON key to extract (platform versions from 13 January 2026). @default the whole value */
    readonly jsonKey?: string;
}

export type DeploymentPolicy = "Immutable" | "RollingWithAdditionalBatch";

export interface BeanstalkEnvironmentArgs extends ServiceArgs {
    /** The application's name. */
    readonly application: pulumi.Input<string>;
    /** The application's name as known before deploy, for the instance role's ARNs. */
    readonly applicationName: string;
    /** The version label to run. */
    readonly versionLabel: pulumi.Input<string>;
    /** Beanstalk's service role (health, managed updates), by name. */
    readonly serviceRoleName: pulumi.Input<string>;
    /** EC2 instance type (`beanstalkInstanceType` of the size). */
    readonly instanceType: string;
    readonly vpcId: pulumi.Input<string>;
    /** Private subnets for the instances; they get no public IPs. */
    readonly instanceSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** Public subnets for an internet-facing balancer, private ones for an internal one. */
    readonly loadBalancerSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
    readonly loadBalancerSecurityGroupId: pulumi.Input<string>;
    /** The instances' only security group; the data tier admits it. */
    readonly instanceSecurityGroupId: pulumi.Input<string>;
    /** The ECR repository; the instances may pull from it only. */
    readonly repositoryArn: pulumi.Input<string>;
    /** The bundle bucket; the instances may read bundles from it only. */
    readonly bundleBucketArn: pulumi.Input<string>;
    /** CloudWatch log retention, days (the `logRetentionDays` setting). */
    readonly logRetentionDays: number;
    /** Seconds the balancer drains a stopping instance (the `deregistrationDelay` setting). */
    readonly deregistrationDelay: number;
    /** Bucket the load balancer writes access logs to (an `AccessLogs` bucket). @default none */
    readonly accessLogsBucket?: pulumi.Input<string>;
    /** The validated ACM certificate for `domain`: an HTTPS listener. @default none (HTTP only) */
    readonly certificateArn?: pulumi.Input<string>;
    /** Secrets other components created (database, cache), by environment name. @default {} */
    readonly secretReferences?: Readonly<Record<string, BeanstalkSecretReference>>;
    /** How a new version rolls out; both replace instances only after the new ones pass health checks. @default "Immutable" */
    readonly deploymentPolicy?: DeploymentPolicy;
    /** Weekly window start for managed platform updates, `Ddd:HH:MM` UTC. @default "Sun:03:00" */
    readonly updateWindow?: string;
    /** Autoscaling CPU target, percent: above it for 5 minutes adds an instance, below half of it removes one. */
    readonly cpuTarget: number;
}

export const BEANSTALK_DEFAULTS = {
    deploymentPolicy: "Immutable" as DeploymentPolicy,
    updateWindow: "Sun:03:00",
    /** TLS 1.3 and 1.2 only: the Fargate target's policy. */
    sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
    idleTimeout: 60,
} as const;

/**
 * The solution stacks the environment may start on, newest first: Docker on
 * Amazon Linux 2023, not the ECS-based Docker platform nor Amazon Linux 2.
 */
export const DOCKER_SOLUTION_STACK = "^64bit Amazon Linux 2023 (.*) running Docker$";

/** Port nginx listens on in each instance; the load balancer's process targets it, nginx forwards to the container. */
export const BEANSTALK_INSTANCE_PORT = 80;

/** Environment name: 4-40 letters, digits and hyphens (CreateEnvironment), from the stack's identity. */
export function beanstalkEnvironmentName(project: string, stack: string): string {
    return uniqueId([project, stack], 40);
}

/** One Beanstalk option setting. */
export interface OptionSetting {
    readonly namespace: string;
    readonly name: string;
    readonly value: pulumi.Input<string>;
}

/** What `environmentSettings` needs: the arguments, with the roles, profile and secrets resolved. */
export interface EnvironmentSettingsInput {
    readonly args: BeanstalkEnvironmentArgs;
    readonly instanceProfileName: pulumi.Input<string>;
    /** `arn` or `arn:jsonKey`, by environment name. */
    readonly secretValues: Readonly<Record<string, pulumi.Input<string>>>;
}

const joined = (ids: pulumi.Input<pulumi.Input<string>[]>): pulumi.Output<string> => pulumi.output(ids).apply((list) => list.join(","));

/**
 * Every option setting, grouped by what it decides. Option names and values are
 * those of the general options reference:
 * https://docs.aws.amazon.com/elasticbeanstalk/latest/dg/command-options-general.html
 */
export function environmentSettings({ args, instanceProfileName, secretValues }: EnvironmentSettingsInput): OptionSetting[] {
    const out: OptionSetting[] = [];
    const set = (namespace: string, options: Record<string, pulumi.Input<string>>): void => {
        for (const [name, value] of Object.entries(options)) {
            out.push({ namespace, name, value });
        }
    };
    const health = "/healthz";

    set("aws:elasticbeanstalk:environment", { EnvironmentType: "LoadBalanced", LoadBalancerType: "application", ServiceRole: args.serviceRoleName });
    // Network: instances in private subnets without public IPs, the balancer where `public` puts it.
    set("aws:ec2:vpc", {
        VPCId: args.vpcId,
        Subnets: joined(args.instanceSubnetIds),
        ELBSubnets: joined(args.loadBalancerSubnetIds),
        ELBScheme: args.public ? "public" : "internal",
        AssociatePublicIpAddress: "false",
    });
    // Instances: IMDSv2 only, no SSH key (no EC2KeyName), only the stack's security group.
    set("aws:autoscaling:launchconfiguration", {
        IamInstanceProfile: instanceProfileName,
        SecurityGroups: args.instanceSecurityGroupId,
        DisableDefaultEC2SecurityGroup: "true",
        DisableIMDSv1: "true",
        RootVolumeType: "gp3",
    });
    set("aws:ec2:instances", { InstanceTypes: args.instanceType });
    set("aws:autoscaling:asg", { MinSize: String(args.minInstances), MaxSize: String(args.maxInstances) });
    // CPU scaling. EC2's basic monitoring reports every 5 minutes, so that is the shortest useful period.
    set("aws:autoscaling:trigger", {
        MeasureName: "CPUUtilization",
        Statistic: "Average",
        Unit: "Percent",
        Period: "5",
        BreachDuration: "5",
        UpperThreshold: String(args.cpuTarget),
        UpperBreachScaleIncrement: "1",
        LowerThreshold: String(Math.floor(args.cpuTarget / 2)),
        LowerBreachScaleIncrement: "-1",
    });

    // Load balancer and health.
    set("aws:elbv2:loadbalancer", {
        SecurityGroups: args.loadBalancerSecurityGroupId,
        ManagedSecurityGroup: args.loadBalancerSecurityGroupId,
        IdleTimeout: String(BEANSTALK_DEFAULTS.idleTimeout),
        ...(args.accessLogsBucket !== undefined ? { AccessLogsS3Enabled: "true", AccessLogsS3Bucket: args.accessLogsBucket } : {}),
    });
    set("aws:elasticbeanstalk:environment:process:default", {
        Port: String(BEANSTALK_INSTANCE_PORT),
        Protocol: "HTTP",
        HealthCheckPath: health,
        MatcherHTTPCode: "200",
        HealthCheckInterval: "15",
        HealthCheckTimeout: "5",
        HealthyThresholdCount: "2",
        UnhealthyThresholdCount: "3",
        DeregistrationTimeout: String(args.deregistrationDelay),
    });
    set("aws:elasticbeanstalk:application", { "Application Healthcheck URL": health });
    set("aws:elasticbeanstalk:healthreporting:system", { SystemType: "enhanced", EnhancedHealthAuthEnabled: "true" });
    if (args.certificateArn !== undefined) {
        set("aws:elbv2:listener:443", {
            ListenerEnabled: "true",
            Protocol: "HTTPS",
            SSLCertificateArns: args.certificateArn,
            SSLPolicy: BEANSTALK_DEFAULTS.sslPolicy,
            DefaultProcess: "default",
        });
    }

    // Deployments: new instances must pass health checks before old ones go; a failing version never takes traffic.
    const policy = args.deploymentPolicy ?? BEANSTALK_DEFAULTS.deploymentPolicy;
    set("aws:elasticbeanstalk:command", {
        DeploymentPolicy: policy,
        ...(policy === "RollingWithAdditionalBatch" ? { BatchSizeType: "Percentage", BatchSize: "25" } : {}),
        IgnoreHealthCheck: "false",
        Timeout: "900",
    });
    // Configuration changes that replace instances roll out the same way.
    set("aws:autoscaling:updatepolicy:rollingupdate", { RollingUpdateEnabled: "true", RollingUpdateType: policy === "Immutable" ? "Immutable" : "Health" });
    set("aws:elasticbeanstalk:managedactions", {
        ManagedActionsEnabled: "true",
        PreferredStartTime: args.updateWindow ?? BEANSTALK_DEFAULTS.updateWindow,
        ServiceRoleForManagedUpdates: args.serviceRoleName,
    });
    set("aws:elasticbeanstalk:managedactions:platformupdate", { UpdateLevel: "minor", InstanceRefreshEnabled: "true" });

    // Logs: the container's output and the health events, kept for `logRetentionDays` after the environment goes.
    const logs = { DeleteOnTerminate: "false", RetentionInDays: String(args.logRetentionDays) };
    set("aws:elasticbeanstalk:cloudwatch:logs", { StreamLogs: "true", ...logs });
    set("aws:elasticbeanstalk:cloudwatch:logs:health", { HealthStreamingEnabled: "true", ...logs });

    // The app's environment: plain values as properties, secrets as references Beanstalk resolves at boot.
    const env: Record<string, pulumi.Input<string>> = { ...args.env, PORT: String(args.port) };
    set("aws:elasticbeanstalk:application:environment", Object.fromEntries(Object.keys(env).sort().map((k) => [k, env[k]])));
    set("aws:elasticbeanstalk:application:environmentsecrets", Object.fromEntries(Object.keys(secretValues).sort().map((k) => [k, secretValues[k]])));
    return out;
}

export class BeanstalkEnvironment extends pulumi.ComponentResource {
    readonly environmentName: string;
    readonly environmentId: pulumi.Output<string>;
    /** The environment's own host name (`<name>-<random>.<region>.elasticbeanstalk.com`). */
    readonly cname: pulumi.Output<string>;
    /** ARN of the load balancer Beanstalk created. */
    readonly loadBalancerArn: pulumi.Output<string>;
    readonly autoscalingGroupName: pulumi.Output<string>;
    readonly instanceRoleArn: pulumi.Output<string>;

    constructor(name: string, args: BeanstalkEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:aws:BeanstalkEnvironment", name, {}, opts);
        this.environmentName = beanstalkEnvironmentName(pulumi.getProject(), pulumi.getStack());

        const secretValues = this.createSecrets(name, args);
        const { role, policy, profile } = this.createInstanceProfile(name, args, secretValues);

        const stack = aws.elasticbeanstalk.getSolutionStackOutput({ nameRegex: DOCKER_SOLUTION_STACK, mostRecent: true }, { parent: this });
        const environment = new aws.elasticbeanstalk.Environment(
            `${name}-env`,
            {
                name: this.environmentName,
                application: args.application,
                tier: "WebServer",
                solutionStackName: stack.name,
                version: args.versionLabel,
                settings: environmentSettings({ args, instanceProfileName: profile.name, secretValues: secretValues.values }),
                // Immutable rollouts start a second Auto Scaling group; give them time.
                waitForReadyTimeout: "30m",
            },
            // The platform is the newest at creation; managed updates keep it current after that.
            { parent: this, ignoreChanges: ["solutionStackName"], dependsOn: [policy] },
        );

        this.environmentId = environment.id;
        this.cname = environment.cname;
        this.loadBalancerArn = environment.loadBalancers.apply((lbs) => lbs[0]);
        this.autoscalingGroupName = environment.autoscalingGroups.apply((groups) => groups[0]);
        this.instanceRoleArn = role.arn;
        this.registerOutputs({
            environmentName: this.environmentName,
            environmentId: this.environmentId,
            cname: this.cname,
            loadBalancerArn: this.loadBalancerArn,
            autoscalingGroupName: this.autoscalingGroupName,
            instanceRoleArn: this.instanceRoleArn,
        });
    }

    /** The secret settings in Secrets Manager, and the references Beanstalk resolves (with a JSON key where one is named). */
    private createSecrets(name: string, args: BeanstalkEnvironmentArgs): { values: Record<string, pulumi.Input<string>>; arns: pulumi.Input<string>[] } {
        const own = new AppSecrets(`${name}-secrets`, { values: args.secrets, protect: args.protect }, { parent: this });
        const values: Record<string, pulumi.Input<string>> = { ...own.arns };
        const arns: pulumi.Input<string>[] = Object.values(own.arns);
        for (const [key, ref] of Object.entries(args.secretReferences ?? {})) {
            if (key in values) {
                throw new Error(`secret ${key} is both a secret setting and set by the stack; rename the setting`);
            }
            values[key] = ref.jsonKey ? pulumi.interpolate`${ref.secretArn}:${ref.jsonKey}` : ref.secretArn;
            arns.push(ref.secretArn);
        }
        return { values, arns };
    }

    /**
     * What the instances may do: pull this image, read this bundle bucket, read
     * exactly these secrets, write this environment's logs and report its
     * health. No managed policy: Beanstalk's AWSElasticBeanstalkWebTier would
     * add every Beanstalk bucket and log group in the account.
     */
    private createInstanceProfile(name: string, args: BeanstalkEnvironmentArgs, secrets: { arns: pulumi.Input<string>[] }) {
        const identity = aws.getCallerIdentityOutput({}, { parent: this });
        const region = aws.getRegionOutput({}, { parent: this }).region;
        const partition = aws.getPartitionOutput({}, { parent: this }).partition;
        const role = new aws.iam.Role(
            `${name}-instance-role`,
            {
                description: "Beanstalk instances: pull the image, read the bundle and this stack's secrets, write logs, report health",
                assumeRolePolicy: JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
                }),
            },
            { parent: this },
        );
        const envName = this.environmentName;
        const policy = new aws.iam.RolePolicy(
            `${name}-instance-policy`,
            {
                role: role.id,
                policy: pulumi
                    .all([args.repositoryArn, args.bundleBucketArn, pulumi.all(secrets.arns), identity.accountId, region, partition])
                    .apply(([repositoryArn, bucketArn, secretArns, account, regionName, part]) => {
                        const beanstalk = `arn:${part}:elasticbeanstalk:${regionName}:${account}`;
                        return JSON.stringify({
                            Version: "2012-10-17",
                            Statement: [
                                ...pullImageStatements(repositoryArn),
                                { Sid: "ReadBundle", Effect: "Allow", Action: ["s3:GetObject"], Resource: [`${bucketArn}/*`] },
                                {
                                    Sid: "WriteLogs",
                                    Effect: "Allow",
                                    Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams", "logs:DescribeLogGroups"],
                                    Resource: [`arn:${part}:logs:${regionName}:${account}:log-group:/aws/elasticbeanstalk/${envName}/*`],
                                },
                                {
                                    Sid: "ReportHealth",
                                    Effect: "Allow",
                                    Action: ["elasticbeanstalk:PutInstanceStatistics"],
                                    Resource: [`${beanstalk}:application/${args.applicationName}`, `${beanstalk}:environment/${args.applicationName}/${envName}`],
                                },
                                ...readSecretsStatements(secretArns),
                            ],
                        });
                    }),
            },
            { parent: this },
        );
        const profile = new aws.iam.InstanceProfile(`${name}-instance-profile`, { role: role.name }, { parent: this });
        return { role, policy, profile };
    }
}
