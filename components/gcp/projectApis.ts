// The Google Cloud APIs the stack calls, enabled by the stack itself so a
// first `pulumi up` on a fresh project does not fail on a disabled API.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

/** An API the stack may call, by service name. */
export type ProjectApi =
    | "run.googleapis.com"
    | "artifactregistry.googleapis.com"
    | "secretmanager.googleapis.com"
    | "iam.googleapis.com"
    | "monitoring.googleapis.com"
    | "logging.googleapis.com"
    | "compute.googleapis.com"
    | "servicenetworking.googleapis.com"
    | "sqladmin.googleapis.com"
    | "redis.googleapis.com"
    | "cloudscheduler.googleapis.com";

/** What the stack uses decides which APIs it enables; nothing else is turned on. */
export interface ApiNeeds {
    /** A VPC for Direct VPC egress and private services access. */
    readonly network: boolean;
    readonly database: boolean;
    readonly cache: boolean;
    /** Scheduled jobs, run by Cloud Scheduler. @default false */
    readonly schedules?: boolean;
}

/** The APIs a stack with these needs calls; pure, so tests can read the table. */
export function requiredApis(needs: ApiNeeds): ProjectApi[] {
    // Monitoring and Logging are on in most projects already; enabling them again is a no-op.
    const apis: ProjectApi[] = [
        "run.googleapis.com",
        "artifactregistry.googleapis.com",
        "secretmanager.googleapis.com",
        "iam.googleapis.com",
        "monitoring.googleapis.com",
        "logging.googleapis.com",
    ];
    if (needs.network) {
        apis.push("compute.googleapis.com", "servicenetworking.googleapis.com");
    }
    if (needs.database) {
        apis.push("sqladmin.googleapis.com");
    }
    if (needs.cache) {
        apis.push("redis.googleapis.com");
    }
    if (needs.schedules) {
        apis.push("cloudscheduler.googleapis.com");
    }
    return apis;
}

export interface ProjectApisArgs {
    /** Project to enable the APIs on. */
    readonly project: string;
    readonly apis: readonly ProjectApi[];
}

/**
 * Enables each API once. Pass this component in `dependsOn` of every resource
 * that calls Google Cloud: Pulumi expands a component to all its children, so
 * the resource waits for every API.
 */
export class ProjectApis extends pulumi.ComponentResource {
    readonly services: gcp.projects.Service[];

    constructor(name: string, args: ProjectApisArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:gcp:ProjectApis", name, {}, opts);
        this.services = args.apis.map(
            (api) =>
                new gcp.projects.Service(
                    `${name}-${api.split(".")[0]}`,
                    {
                        project: args.project,
                        service: api,
                        // Other stacks and people share the project's APIs: destroying
                        // this stack must not switch them off underneath them.
                        disableOnDestroy: false,
                        disableDependentServices: false,
                    },
                    { parent: this },
                ),
        );
        this.registerOutputs({ services: this.services.map((s) => s.service) });
    }
}
