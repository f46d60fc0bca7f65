// The service's secret environment: one Secret Manager secret per name, its
// value as a version, and read access for the service's account on that secret
// alone. The service references each secret by version number, so a new value
// rolls out as a new revision and an old revision keeps the value it started with.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { uniqueId } from "../naming";

export interface ServiceSecretsArgs {
    /** The enabled project APIs; every resource here waits for them. */
    readonly apis: pulumi.Resource;
    readonly project: string;
    /** Prefix of every secret ID, unique per stack in the project (e.g. `flask-multicloud-dev`). */
    readonly idPrefix: string;
    /** Secret values by environment name; each is stored as a Pulumi secret. */
    readonly values: Readonly<Record<string, pulumi.Input<string>>>;
    /** Who may read the values: `serviceAccount:<email>`. */
    readonly accessor: pulumi.Input<string>;
}

/** How the service points at one secret version. */
export interface SecretRef {
    /** Secret ID in the same project. */
    readonly secret: pulumi.Output<string>;
    /** Version number (never `latest`). */
    readonly version: pulumi.Output<string>;
}

export class ServiceSecrets extends pulumi.ComponentResource {
    /** References by environment name. */
    readonly refs: Readonly<Record<string, SecretRef>>;
    /** The per-secret grants; the service waits for them so its first revision can read its secrets. */
    readonly grants: gcp.secretmanager.SecretIamMember[];

    constructor(name: string, args: ServiceSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:gcp:ServiceSecrets", name, {}, opts);
        const refs: Record<string, SecretRef> = {};
        this.grants = [];
        for (const [envName, value] of Object.entries(args.values)) {
            const role = `${name}-${envName.toLowerCase()}`;
            const secret = new gcp.secretmanager.Secret(
                role,
                {
                    project: args.project,
                    secretId: uniqueId([args.idPrefix, envName.toLowerCase().replace(/_/g, "-")], 255),
                    replication: { auto: {} },
                    labels: { env: envName.toLowerCase() },
                },
                { parent: this, dependsOn: [args.apis] },
            );
            const version = new gcp.secretmanager.SecretVersion(
                `${role}-version`,
                { secret: secret.id, secretData: pulumi.secret(value) },
                { parent: this, dependsOn: [args.apis] },
            );
            this.grants.push(
                new gcp.secretmanager.SecretIamMember(
                    `${role}-accessor`,
                    { project: args.project, secretId: secret.secretId, role: "roles/secretmanager.secretAccessor", member: args.accessor },
                    { parent: this, dependsOn: [args.apis] },
                ),
            );
            refs[envName] = { secret: secret.secretId, version: version.version };
        }
        this.refs = refs;
        this.registerOutputs({ secrets: Object.fromEntries(Object.entries(refs).map(([k, r]) => [k, r.secret])) });
    }
}
