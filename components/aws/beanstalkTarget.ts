// The AWS target on Elastic Beanstalk: ECR repository -> image -> network ->
// data tier -> application -> version -> environment -> domain -> alarms ->
// outputs. The image, network, data tier and alarms are the Fargate target's.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ContainerImage, DEFAULT_CONTEXT, checkBuildContext } from "../containerImage";
import { ProcessPlan, planProcesses, processesBesidesWeb, readProcfile } from "../procfile";
import { pullRepositoryArn } from "../imageRef";
import { TargetOutputs, commonServiceArgs, secretInputs } from "../serviceArgs";
import { AwsSettings, Settings } from "../settings";
import { beanstalkInstanceType } from "../sizing";
import { AccessLogs } from "./accessLogs";
import { ALARM_DEFAULTS, Alarms } from "./alarms";
import { AwsTarget, endpointNote } from "./awsTarget";
import { BeanstalkApplication, beanstalkApplicationName } from "./beanstalkApplication";
import { BEANSTALK_INSTANCE_PORT, BeanstalkEnvironment, BeanstalkSecretReference } from "./beanstalkEnvironment";
import { BeanstalkVersion } from "./beanstalkVersion";
import { EcrRepository } from "./ecrRepository";
import { hostedZoneName, validatedCertificate } from "./loadBalancer";
import { Network } from "./network";

export interface BeanstalkTargetArgs {
    /** Validated stack settings with `cloud: aws` and `platform: beanstalk`. */
    readonly settings: Settings;
}

/**
 * The app's environment variable that makes each instance's web process run the
 * release command before it serves (app/gunicorn.conf.py `on_starting`).
 */
export const RELEASE_ON_START = "RELEASE_ON_START";

/**
 * The environment that runs the Procfile's release on Beanstalk, which has no
 * release step: each new instance applies pending migrations at start,
 * serialized by their advisory lock. Empty without a release process.
 */
export function releaseOnStartEnv(plan: Pick<ProcessPlan, "release">): Record<string, string> {
    return plan.release ? { [RELEASE_ON_START]: "1" } : {};
}

/** `app/<name>/<id>` of a load balancer ARN, as CloudWatch's LoadBalancer dimension wants it. */
export function loadBalancerArnSuffix(arn: string): string {
    return arn.split(":loadbalancer/")[1] ?? arn;
}

export class BeanstalkTarget extends pulumi.ComponentResource {
    readonly outputs: TargetOutputs;

    constructor(name: string, args: BeanstalkTargetArgs, opts?: pulumi.ComponentResourceOptions) {
        if (args.settings.image === undefined) {
            checkBuildContext(); // before anything is declared; a prebuilt image needs no build context
        }
        const settings = args.settings;
        const awsSettings = requireBeanstalkSettings(settings);
        const instanceType = beanstalkInstanceType(settings);
        if (instanceType === undefined) {
            throw new Error(`BeanstalkTarget: no instance type fits ${settings.cpu} vCPU / ${settings.memory} MiB; parseSettings should have rejected it`);
        }
        // The Procfile and the processes/schedules settings are checked as on Fargate, before any resource.
        const plan = planProcesses(readProcfile(DEFAULT_CONTEXT, settings.image === undefined), settings);
        // The release is not left out: each instance's web process runs it at start (releaseOnStartEnv).
        const skipped = processesBesidesWeb({ workers: plan.workers, schedules: plan.schedules });
        super("flask-multicloud:aws:BeanstalkTarget", name, {}, opts);
        if (skipped.length > 0) {
            // The Docker platform runs one container; say what is left out rather than drop it silently.
            pulumi.log.warn(`platform beanstalk runs the web process only (and the release as each instance starts); not deployed: ${skipped.join(", ")}. Run them yourself, or use platform fargate (README "Processes")`, this);
        }

        const repository = new EcrRepository(`${name}-registry`, { forceDelete: !settings.protect }, { parent: this });
        const image = new ContainerImage(`${name}-image`, { repository: repository.repositoryUrl, registry: repository.registry, prebuilt: settings.image }, { parent: this });

        const network = new Network(
            `${name}-network`,
            {
                natGateways: awsSettings.natGateways,
                highAvailability: settings.highAvailability,
                availabilityZones: awsSettings.availabilityZones,
                port: BEANSTALK_INSTANCE_PORT,
                public: settings.public,
                https: settings.domain !== undefined,
                workload: "Beanstalk instances",
            },
            { parent: this },
        );
        const data = AwsTarget.createDataTier(this, name, settings, awsSettings, network);
        // Beanstalk (from January 2026 platforms) extracts one JSON key, as ECS's valueFrom does.
        const secretReferences: Record<string, BeanstalkSecretReference> = {};
        if (data.database) {
            secretReferences.DB_PASSWORD = { secretArn: data.database.passwordSecretArn, jsonKey: "password" };
        }
        if (data.cache) {
            secretReferences.REDIS_PASSWORD = { secretArn: data.cache.authSecretArn };
        }

        const application = new BeanstalkApplication(`${name}-beanstalk`, { forceDestroy: !settings.protect }, { parent: this });
        const version = new BeanstalkVersion(
            `${name}-release`,
            { application: application.name, bucket: application.bucketName, image: image.ref, port: settings.port, httpsRedirect: settings.domain !== undefined },
            { parent: this },
        );

        const zone = settings.domain
            ? aws.route53.getZoneOutput({ name: awsSettings.hostedZone ?? hostedZoneName(settings.domain), privateZone: false }, { parent: this })
            : undefined;
        const certificateArn = settings.domain && zone ? validatedCertificate(name, settings.domain, zone.zoneId, this) : undefined;

        // The same access-log bucket as Fargate's balancer; its policy's bucket name makes the environment wait for the grant.
        const accessLogs = new AccessLogs(`${name}-access-logs`, { retentionDays: settings.logRetentionDays, protect: settings.protect }, { parent: this });
        const environment = new BeanstalkEnvironment(
            `${name}-web`,
            {
                image: image.ref,
                ...commonServiceArgs(settings),
                cpuTarget: settings.cpuTarget,
                env: { ...settings.env, APP_ENV: pulumi.getStack(), ...data.env, ...releaseOnStartEnv(plan) },
                secrets: secretInputs(settings),
                secretReferences,
                domain: settings.domain,
                application: application.name,
                applicationName: beanstalkApplicationName(pulumi.getProject(), pulumi.getStack()),
                versionLabel: version.label,
                serviceRoleName: application.serviceRoleName,
                instanceType,
                vpcId: network.vpcId,
                instanceSubnetIds: network.privateSubnetIds,
                loadBalancerSubnetIds: settings.public ? network.publicSubnetIds : network.privateSubnetIds,
                loadBalancerSecurityGroupId: network.loadBalancerSecurityGroupId,
                instanceSecurityGroupId: network.taskSecurityGroupId,
                repositoryArn: pullRepositoryArn(settings.image, repository.arn),
                bundleBucketArn: application.bucketArn,
                logRetentionDays: settings.logRetentionDays,
                deregistrationDelay: awsSettings.deregistrationDelay,
                certificateArn,
                accessLogsBucket: accessLogs.policy.bucket,
            },
            { parent: this },
        );

        if (settings.domain && zone) {
            const beanstalkZone = aws.elasticbeanstalk.getHostedZoneOutput({}, { parent: this });
            new aws.route53.Record(
                `${name}-alias`,
                { zoneId: zone.zoneId, name: settings.domain, type: "A", aliases: [{ name: environment.cname, zoneId: beanstalkZone.id, evaluateTargetHealth: true }] },
                { parent: this },
            );
        }

        // Beanstalk owns the target group; the listener's default action names it, so the
        // alarms watch the same load balancer metrics as on Fargate.
        const listener = aws.lb.getListenerOutput({ loadBalancerArn: environment.loadBalancerArn, port: settings.domain ? 443 : 80 }, { parent: this });
        const targetGroup = aws.lb.getTargetGroupOutput(
            { arn: listener.defaultActions.apply((actions) => actions.find((a) => a.type === "forward")?.targetGroupArn ?? "") },
            { parent: this },
        );
        const alarms = new Alarms(
            `${name}-alarms`,
            {
                loadBalancerArnSuffix: environment.loadBalancerArn.apply(loadBalancerArnSuffix),
                targetGroupArnSuffix: targetGroup.arnSuffix,
                // Instances, not an ECS service: the Auto Scaling group's average.
                cpu: {
                    description: `Instance CPU above ${ALARM_DEFAULTS.cpuPercent}% for 15 minutes: autoscaling is at its limit or not keeping up`,
                    namespace: "AWS/EC2",
                    metricName: "CPUUtilization",
                    dimensions: { AutoScalingGroupName: environment.autoscalingGroupName },
                },
                latencyThresholdMs: settings.latencyThresholdMs,
                email: settings.alarmEmail,
                database: data.database && settings.database ? { identifier: data.database.identifier, storageGb: settings.database.storageGb, instanceClass: settings.database.instance } : undefined,
                cache: data.cache ? { memberClusters: data.cache.memberClusters } : undefined,
            },
            { parent: this },
        );

        const region = aws.getRegionOutput({}, { parent: this }).region;
        this.outputs = {
            url: settings.domain ? pulumi.output(`https://${settings.domain}`) : pulumi.interpolate`http://${environment.cname}`,
            imageRef: image.ref,
            serviceName: pulumi.output(environment.environmentName),
            consoleUrl: pulumi.interpolate`https://${region}.console.aws.amazon.com/elasticbeanstalk/home?region=${region}#/environment/dashboard?environmentId=${environment.environmentId}`,
            ...(data.database ? { databaseEndpoint: data.database.address } : {}),
            ...(data.cache ? { cacheEndpoint: data.cache.address } : {}),
            extra: {
                applicationName: application.name,
                versionLabel: version.label,
                instanceType: pulumi.output(instanceType),
                environmentCname: environment.cname,
                alarmTopicArn: alarms.topicArn,
                endpointNote: pulumi.output(endpointNote(settings.domain).replace("the load balancer's DNS name", "the environment's Beanstalk host name")),
            },
        };
        this.registerOutputs({ ...this.outputs, ...this.outputs.extra });
    }
}

function requireBeanstalkSettings(settings: Settings): AwsSettings {
    if (settings.cloud !== "aws" || settings.aws === undefined || settings.aws.platform !== "beanstalk") {
        throw new Error(`BeanstalkTarget needs settings for cloud aws with platform beanstalk, got cloud ${settings.cloud}`);
    }
    return settings.aws;
}
