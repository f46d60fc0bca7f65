// The service's request and application logs kept for `logRetentionDays`: a
// log bucket of the stack's own, a sink routing the service's entries to it,
// and an exclusion so the project's _Default bucket does not store (and bill)
// them a second time. Other services' logs in the project are left alone.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

export interface ServiceLogsArgs {
    readonly project: string;
    /** Where the log bucket stores entries. */
    readonly region: string;
    /** The enabled project APIs (Cloud Logging among them). */
    readonly apis: pulumi.Resource;
    /** The Cloud Run service whose logs are kept. */
    readonly serviceName: string;
    /** Bucket, sink and exclusion ID (letters, digits, _ - and ., up to 100). */
    readonly id: string;
    /** Days entries are kept (the `logRetentionDays` setting; Cloud Logging allows 1 to 3650). */
    readonly retentionDays: number;
}

export class ServiceLogs extends pulumi.ComponentResource {
    /** `projects/<p>/locations/<region>/buckets/<id>`: what Logs Explorer's "Refine scope" names. */
    readonly bucketName: pulumi.Output<string>;

    constructor(name: string, args: ServiceLogsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:gcp:ServiceLogs", name, {}, opts);
        const waitForApis = { parent: this, dependsOn: [args.apis] };
        // Request logs (run.googleapis.com/requests) and the container's stdout/stderr share this resource.
        const filter = `resource.type = "cloud_run_revision" AND resource.labels.service_name = "${args.serviceName}"`;

        const bucket = new gcp.logging.ProjectBucketConfig(
            `${name}-bucket`,
            {
                project: args.project,
                location: args.region,
                bucketId: args.id,
                retentionDays: args.retentionDays,
                description: `Cloud Run service ${args.serviceName}: request and application logs`,
            },
            waitForApis,
        );
        new gcp.logging.ProjectSink(
            `${name}-sink`,
            {
                project: args.project,
                name: args.id,
                destination: pulumi.interpolate`logging.googleapis.com/${bucket.name}`,
                filter,
                description: `Cloud Run service ${args.serviceName} to its own log bucket`,
                uniqueWriterIdentity: true,
            },
            waitForApis,
        );
        // Without this the _Default sink stores the same entries too: ingestion is billed once per bucket.
        new gcp.logging.ProjectExclusion(
            `${name}-default-exclusion`,
            { project: args.project, name: args.id, filter, description: `Stored in ${args.id} instead` },
            waitForApis,
        );

        this.bucketName = bucket.name;
        this.registerOutputs({ bucketName: this.bucketName });
    }
}
