// The AWS target: ECR repository -> image -> network -> load balancer ->
// data tier -> Fargate service -> alarms -> outputs. Each step is one component.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ContainerImage, DEFAULT_CONTEXT, checkBuildContext } from "../containerImage";
import { planProcesses, readProcfile } from "../procfile";
import { pullRepositoryArn } from "../imageRef";
import { TargetOutputs, commonServiceArgs, secretInputs } from "../serviceArgs";
import { AwsSettings, Settings } from "../settings";
import { Alarms } from "./alarms";
import { Cache } from "./cache";
import { Dashboard } from "./dashboard";
import { Database } from "./database";
import { EcrRepository } from "./ecrRepository";
import { EcsProcesses } from "./ecsProcesses";
import { FargateService, SecretReference } from "./fargateService";
import { LoadBalancer, hostedZoneName } from "./loadBalancer";
import { Network } from "./network";

export interface AwsTargetArgs {
    /** Validated stack settings with `cloud: aws`. */
    readonly settings: Settings;
}

/** Plain environment and secret references the data tier hands the task. */
export interface DataTierWiring {
    readonly env: Record<string, pulumi.Input<string>>;
    readonly secretReferences: Record<string, SecretReference>;
    readonly database?: Database;
    readonly cache?: Cache;
}

export class AwsTarget extends pulumi.ComponentResource {
    readonly outputs: TargetOutputs;

    constructor(name: string, args: AwsTargetArgs, opts?: pulumi.ComponentResourceOptions) {
        if (args.settings.image === undefined) {
            checkBuildContext(); // before anything is declared; a prebuilt image needs no build context
        }
        // The Procfile and the processes/schedules settings fail here, before any resource.
        const processPlan = planProcesses(readProcfile(DEFAULT_CONTEXT, args.settings.image === undefined), args.settings);
        super("flask-multicloud:aws:AwsTarget", name, {}, opts);
        const settings = args.settings;
        const awsSettings = requireAwsSettings(settings);

        const repository = new EcrRepository(`${name}-registry`, { forceDelete: !settings.protect }, { parent: this });
        const image = new ContainerImage(
            `${name}-image`,
            { repository: repository.repositoryUrl, registry: repository.registry, prebuilt: settings.image, platform: awsSettings.architecture === "arm64" ? "linux/arm64" : "linux/amd64" },
            { parent: this },
        );

        const network = new Network(
            `${name}-network`,
            {
                natGateways: awsSettings.natGateways,
                highAvailability: settings.highAvailability,
                availabilityZones: awsSettings.availabilityZones,
                port: settings.port,
                public: settings.public,
                https: settings.domain !== undefined,
            },
            { parent: this },
        );
        const lb = new LoadBalancer(
            `${name}-lb`,
            {
                vpcId: network.vpcId,
                subnetIds: settings.public ? network.publicSubnetIds : network.privateSubnetIds,
                securityGroupId: network.loadBalancerSecurityGroupId,
                port: settings.port,
                public: settings.public,
                protect: settings.protect,
                domain: settings.domain,
                hostedZone: awsSettings.hostedZone,
                deregistrationDelay: awsSettings.deregistrationDelay,
                accessLogRetentionDays: settings.logRetentionDays,
            },
            { parent: this },
        );

        const data = AwsTarget.createDataTier(this, name, settings, awsSettings, network);

        // The service rolls back on two of the alarms and one alarm watches the service:
        // the alarms come first and learn the service's names once it exists.
        const [clusterName, resolveClusterName] = pulumi.deferredOutput<string>();
        const [serviceName, resolveServiceName] = pulumi.deferredOutput<string>();
        const alarms = new Alarms(
            `${name}-alarms`,
            {
                loadBalancerArnSuffix: lb.arnSuffix,
                targetGroupArnSuffix: lb.targetGroupArnSuffix,
                clusterName,
                serviceName,
                latencyThresholdMs: settings.latencyThresholdMs,
                email: settings.alarmEmail,
                database: data.database && settings.database ? { identifier: data.database.identifier, storageGb: settings.database.storageGb, instanceClass: settings.database.instance } : undefined,
                cache: data.cache ? { memberClusters: data.cache.memberClusters } : undefined,
            },
            { parent: this },
        );

        // The web service's new revision waits for the release step, which runs on the service's cluster and roles.
        const [releaseGate, resolveReleaseGate] = processPlan.release ? pulumi.deferredOutput<string>() : [undefined, undefined];
        const service = new FargateService(
            `${name}-service`,
            {
                image: image.ref,
                ...commonServiceArgs(settings),
                cpuTarget: settings.cpuTarget,
                env: { ...settings.env, APP_ENV: pulumi.getStack(), ...data.env },
                secrets: secretInputs(settings),
                secretReferences: data.secretReferences,
                domain: settings.domain,
                subnetIds: network.taskSubnetIds,
                assignPublicIp: network.taskPublicIp,
                architecture: awsSettings.architecture,
                spotShare: awsSettings.spotShare,
                securityGroupId: network.taskSecurityGroupId,
                targetGroupArn: lb.targetGroupArn,
                loadBalancerArnSuffix: lb.arnSuffix,
                targetGroupArnSuffix: lb.targetGroupArnSuffix,
                listener: lb.forwardingListener,
                repositoryArn: pullRepositoryArn(settings.image, repository.arn),
                logRetentionDays: settings.logRetentionDays,
                deploymentAlarmNames: alarms.deploymentAlarmNames,
                releaseGate,
            },
            { parent: this },
        );
        const processes = new EcsProcesses(
            `${name}-processes`,
            { plan: processPlan, foundation: service.foundation, image: image.ref, cpuTarget: settings.cpuTarget, alarmTopicArn: alarms.topicArn, waitFor: [network] },
            { parent: this },
        );
        if (resolveReleaseGate && processes.releaseTaskArn) {
            resolveReleaseGate(processes.releaseTaskArn);
        }
        resolveClusterName(service.clusterName);
        resolveServiceName(service.serviceName);

        const dashboard = new Dashboard(
            `${name}-dashboard`,
            {
                loadBalancerArnSuffix: lb.arnSuffix,
                targetGroupArnSuffix: lb.targetGroupArnSuffix,
                clusterName: service.clusterName,
                serviceName: service.serviceName,
                databaseIdentifier: data.database?.identifier,
                cacheMemberClusters: data.cache?.memberClusters,
            },
            { parent: this },
        );

        const region = aws.getRegionOutput({}, { parent: this }).region;
        this.outputs = {
            url: lb.url,
            imageRef: image.ref,
            serviceName: service.serviceName,
            consoleUrl: pulumi.interpolate`https://${region}.console.aws.amazon.com/ecs/v2/clusters/${service.clusterName}/services/${service.serviceName}/health?region=${region}`,
            ...(data.database ? { databaseEndpoint: data.database.address } : {}),
            ...(data.cache ? { cacheEndpoint: data.cache.address } : {}),
            extra: {
                dashboardUrl: dashboard.url,
                // Where CI pushes an image it built, for the image setting.
                imageRepository: repository.repositoryUrl,
                clusterName: service.clusterName,
                logGroup: service.logGroupName,
                loadBalancerDnsName: lb.dnsName,
                alarmTopicArn: alarms.topicArn,
                endpointNote: pulumi.output(endpointNote(settings.domain, awsSettings.hostedZone)),
                ...(processPlan.workers.length > 0 ? { workerServices: pulumi.output(processes.workerServiceNames) } : {}),
                ...(processPlan.schedules.length > 0 ? { schedules: pulumi.output(processes.scheduleNames) } : {}),
            },
        };
        this.registerOutputs({ ...this.outputs, ...this.outputs.extra });
    }

    /**
     * The database and cache the settings ask for, and how the app reaches them;
     * both admit only the network's task security group. Shared with the
     * Beanstalk target, whose instances wear that group.
     */
    static createDataTier(parent: pulumi.Resource, name: string, settings: Settings, awsSettings: AwsSettings, network: Network): DataTierWiring {
        const env: Record<string, pulumi.Input<string>> = {};
        const secretReferences: Record<string, SecretReference> = {};
        const placement = { vpcId: network.vpcId, subnetIds: network.privateSubnetIds, clientSecurityGroupId: network.taskSecurityGroupId };

        let database: Database | undefined;
        if (settings.database) {
            database = new Database(
                `${name}-db`,
                {
                    ...placement,
                    instanceClass: settings.database.instance,
                    storageGb: settings.database.storageGb,
                    highAvailability: settings.highAvailability,
                    protect: settings.protect,
                },
                { parent },
            );
            Object.assign(env, {
                DB_HOST: database.address,
                DB_PORT: database.port.apply(String),
                DB_NAME: database.databaseName,
                DB_USER: database.username,
                // RDS enforces TLS (rds.force_ssl); make the client insist too.
                DB_SSLMODE: "require",
            });
            secretReferences.DB_PASSWORD = { secretArn: database.passwordSecretArn, valueFrom: database.passwordValueFrom };
        }

        let cache: Cache | undefined;
        if (settings.cache) {
            cache = new Cache(
                `${name}-cache`,
                { ...placement, nodeType: awsSettings.cacheNodeType, engine: awsSettings.cacheEngine, highAvailability: settings.highAvailability, nodes: awsSettings.cacheNodes, protect: settings.protect },
                { parent },
            );
            Object.assign(env, { REDIS_HOST: cache.address, REDIS_PORT: String(cache.port), REDIS_TLS: "true" });
            secretReferences.REDIS_PASSWORD = { secretArn: cache.authSecretArn };
        }
        return { env, secretReferences, database, cache };
    }
}

/** What the URL output means, in words for the person reading `pulumi stack output`. */
export function endpointNote(domain: string | undefined, hostedZone?: string): string {
    return domain
        ? `HTTPS on ${domain} (ACM certificate validated in the Route 53 zone ${hostedZone ?? hostedZoneName(domain)}); HTTP redirects to HTTPS`
        : "Plain HTTP on the load balancer's DNS name, no TLS: set `domain` for HTTPS";
}

function requireAwsSettings(settings: Settings): AwsSettings {
    if (settings.cloud !== "aws" || settings.aws === undefined) {
        throw new Error(`AwsTarget needs settings for cloud aws, got cloud ${settings.cloud}`);
    }
    return settings.aws;
}
