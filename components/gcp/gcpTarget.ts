// The Google Cloud target: project APIs -> Artifact Registry -> image ->
// private network and data tier (when the settings ask for one) -> secrets ->
// Cloud Run service -> custom domain -> outputs. Least privilege throughout:
// the service runs as its own account, which can read this stack's secrets
// and nothing else; public invocation only when `public` says so.
import * as pulumi from "@pulumi/pulumi";
import { ContainerImage, DEFAULT_CONTEXT, checkBuildContext } from "../containerImage";
import { planProcesses, readProcfile } from "../procfile";
import { TargetOutputs, commonServiceArgs, secretInputs } from "../serviceArgs";
import { GcpSettings, Settings } from "../settings";
import { ArtifactRepository } from "./artifactRepository";
import { MemorystoreCache } from "./cache";
import { CloudRunService } from "./cloudRunService";
import { Dashboard } from "./dashboard";
import { CloudSqlDatabase } from "./database";
import { Monitoring } from "./monitoring";
import { ServiceDomain } from "./domain";
import { uniqueId } from "../naming";
import { PrivateNetwork } from "./network";
import { ProjectApis, requiredApis } from "./projectApis";
import { ServiceIdentity } from "./serviceIdentity";
import { ServiceLogs } from "./serviceLogs";
import { RunProcesses } from "./runProcesses";
import { ServiceSecrets } from "./serviceSecrets";

export interface GcpTargetArgs {
    /** Validated settings of a stack whose cloud is `gcp`. */
    readonly settings: Settings;
}

/**
 * Combinations the settings parser accepts but this target cannot serve.
 * Empty when the settings are fine; checked before any resource is declared.
 */
export class GcpTarget extends pulumi.ComponentResource {
    readonly outputs: TargetOutputs;

    constructor(name: string, args: GcpTargetArgs, opts?: pulumi.ComponentResourceOptions) {
        if (args.settings.image === undefined) {
            checkBuildContext(); // before anything is declared; a prebuilt image needs no build context
        }
        // The Procfile and the processes/schedules settings fail here, before any resource.
        const processPlan = planProcesses(readProcfile(DEFAULT_CONTEXT, args.settings.image === undefined), args.settings);
        super("flask-multicloud:gcp:GcpTarget", name, {}, opts);
        const s = args.settings;
        if (s.gcp === undefined) {
            throw new Error("GcpTarget needs settings parsed for cloud gcp");
        }
        const gcp: GcpSettings = s.gcp;
        const { project, region } = gcp;
        const stackId = [pulumi.getProject(), pulumi.getStack()];
        const needsNetwork = s.database !== undefined || s.cache !== undefined;

        const apis = new ProjectApis(
            `${name}-apis`,
            { project, apis: requiredApis({ network: needsNetwork, database: s.database !== undefined, cache: s.cache !== undefined, schedules: processPlan.schedules.length > 0 }) },
            { parent: this },
        );

        const registry = new ArtifactRepository(`${name}-registry`, { project, region, apis, repositoryId: uniqueId(stackId, 63) }, { parent: this });
        const image = new ContainerImage(`${name}-image`, { repository: registry.imageRepository, registry: registry.registry, prebuilt: s.image }, { parent: this });

        const identity = new ServiceIdentity(
            `${name}-identity`,
            { project, apis, accountId: uniqueId([...stackId, "run"], 30), description: `Cloud Run service ${pulumi.getProject()} (${pulumi.getStack()})` },
            { parent: this },
        );

        const network = needsNetwork ? new PrivateNetwork(`${name}-network`, { project, region, apis, maxInstances: s.maxInstances }, { parent: this }) : undefined;
        const database =
            s.database && network
                ? new CloudSqlDatabase(
                      `${name}-database`,
                      {
                          project,
                          region,
                          apis,
                          network: network.network.id,
                          peering: network.peering,
                          tier: s.database.instance,
                          storageGb: s.database.storageGb,
                          highAvailability: s.highAvailability,
                          protect: s.protect,
                      },
                      { parent: this },
                  )
                : undefined;
        const cache =
            s.cache && network
                ? new MemorystoreCache(
                      `${name}-cache`,
                      {
                          project,
                          region,
                          apis,
                          network: network.network.id,
                          peering: network.peering,
                          memoryGb: gcp.cacheMemoryGb,
                          highAvailability: s.highAvailability,
                          protect: s.protect,
                      },
                      { parent: this },
                  )
                : undefined;

        // The same environment names as on AWS; passwords only by secret reference.
        const env: Record<string, pulumi.Input<string>> = { APP_ENV: pulumi.getStack(), ...s.env };
        const secretValues = secretInputs(s);
        if (database) {
            Object.assign(env, {
                DB_HOST: database.host,
                DB_PORT: String(database.port),
                DB_NAME: database.databaseName,
                DB_USER: database.userName,
                // The instance refuses unencrypted connections; fail fast instead of retrying without TLS.
                DB_SSLMODE: "require",
            });
            secretValues.DB_PASSWORD = database.password;
        }
        if (cache) {
            Object.assign(env, {
                REDIS_HOST: cache.host,
                REDIS_PORT: cache.port.apply(String),
                REDIS_TLS: "true",
                REDIS_TLS_CA_CERT: cache.caCert,
            });
            secretValues.REDIS_PASSWORD = cache.authString;
        }

        const secrets = new ServiceSecrets(
            `${name}-secrets`,
            { project, apis, idPrefix: uniqueId(stackId, 200), values: secretValues, accessor: identity.member },
            { parent: this },
        );

        // Release, workers and scheduled jobs on the web's image, account, environment, secrets and VPC.
        const processes = new RunProcesses(
            `${name}-processes`,
            {
                plan: processPlan,
                stackId,
                context: {
                    project,
                    region,
                    apis,
                    image: image.ref,
                    serviceAccount: identity.email,
                    env,
                    secrets: secrets.refs,
                    vpc: network ? { network: network.network.id, subnetwork: network.subnet.id } : undefined,
                    waitFor: [...secrets.grants, ...(database ? [database.user] : [])],
                },
            },
            { parent: this },
        );

        const runServiceName = uniqueId(stackId, 49);
        const service = new CloudRunService(
            `${name}-run`,
            {
                project,
                region,
                apis,
                serviceName: runServiceName,
                image: image.ref,
                serviceAccount: identity.email,
                ...commonServiceArgs(s),
                env,
                secrets: secrets.refs,
                ingress: gcp.ingress,
                cpuAlwaysAllocated: gcp.cpuAlwaysAllocated,
                requestTimeout: gcp.requestTimeout,
                vpc: network ? { network: network.network.id, subnetwork: network.subnet.id } : undefined,
                // A revision that cannot read its secrets or log in never becomes ready.
                // The release job is ready only once the release succeeded: a failed one stops the rollout here.
                waitFor: [...secrets.grants, ...(database ? [database.user] : []), ...(processes.releaseJob ? [processes.releaseJob] : [])],
            },
            { parent: this },
        );

        const domain = s.domain
            ? new ServiceDomain(`${name}-domain`, { project, region, apis, domain: s.domain, serviceName: service.name }, { parent: this })
            : undefined;

        // Google's uptime checkers come from the internet: only a public service with ingress "all" can answer them.
        const reachable = s.public && gcp.ingress === "all";
        new Monitoring(
            `${name}-monitoring`,
            {
                project,
                apis,
                serviceName: runServiceName,
                maxInstances: s.maxInstances,
                latencyThresholdMs: s.latencyThresholdMs,
                uptimeHost: reachable ? (s.domain ?? service.uri.apply((uri) => uri.replace(/^https:\/\//, "").replace(/\/.*$/, ""))) : undefined,
                databaseInstance: database?.instance.name,
                cacheInstanceId: cache?.instance.id,
                email: s.alarmEmail,
            },
            { parent: this },
        );
        const logs = new ServiceLogs(
            `${name}-logs`,
            { project, region, apis, serviceName: runServiceName, id: uniqueId([...stackId, "logs"], 100), retentionDays: s.logRetentionDays },
            { parent: this },
        );
        const dashboard = new Dashboard(
            `${name}-dashboard`,
            { project, apis, serviceName: runServiceName, databaseInstance: database?.instance.name, cacheInstanceId: cache?.instance.id },
            { parent: this },
        );

        this.outputs = {
            url: s.domain ? pulumi.output(`https://${s.domain}`) : service.uri,
            imageRef: image.ref,
            serviceName: service.name,
            consoleUrl: pulumi.interpolate`https://console.cloud.google.com/run/detail/${region}/${service.name}/metrics?project=${project}`,
            ...(database ? { databaseEndpoint: database.host } : {}),
            ...(cache ? { cacheEndpoint: cache.host } : {}),
            extra: {
                dashboardUrl: dashboard.url,
                logBucket: logs.bucketName,
                serviceAccount: identity.email,
                imageRepository: registry.imageRepository,
                ...(processPlan.workers.length > 0 ? { workerPools: pulumi.output(processes.workerPoolNames) } : {}),
                ...(processPlan.schedules.length > 0 ? { scheduledJobs: pulumi.output(processes.jobNames) } : {}),
                ...(processes.releaseJob ? { releaseJob: processes.releaseJob.name } : {}),
                ...(domain ? { dnsRecords: domain.dnsRecords } : {}),
            },
        };
        const { url, imageRef, serviceName, consoleUrl, databaseEndpoint, cacheEndpoint, extra } = this.outputs;
        this.registerOutputs({ url, imageRef, serviceName, consoleUrl, databaseEndpoint, cacheEndpoint, ...extra });
    }
}
