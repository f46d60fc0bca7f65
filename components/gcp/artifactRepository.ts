// The Docker repository the image is pushed to, in the stack's region, with
// cleanup policies so storage does not grow with every deploy.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { RegistryAccess } from "../containerImage";

export interface ArtifactRepositoryArgs {
    /** The enabled project APIs; every resource here waits for them. */
    readonly apis: pulumi.Resource;
    readonly project: string;
    /** Region of the repository; the same as the service's, so pulls stay in-region. */
    readonly region: string;
    /** Repository ID, unique per project and region. */
    readonly repositoryId: string;
    /** Image versions always kept, newest first, whatever their age or tags. @default 10 */
    readonly keepVersions?: number;
    /** Tagged versions beyond `keepVersions` older than this many days are deleted. @default 30 */
    readonly deleteAfterDays?: number;
}

export class ArtifactRepository extends pulumi.ComponentResource {
    readonly repository: gcp.artifactregistry.Repository;
    /** `<region>-docker.pkg.dev/<project>/<repository>/app`, without a tag. */
    readonly imageRepository: pulumi.Output<string>;
    /** Where to push, with a short-lived token of the identity running Pulumi. */
    readonly registry: RegistryAccess;

    constructor(name: string, args: ArtifactRepositoryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:gcp:ArtifactRepository", name, {}, opts);
        const keepVersions = args.keepVersions ?? 10;
        const deleteAfterSeconds = (args.deleteAfterDays ?? 30) * 86400;

        this.repository = new gcp.artifactregistry.Repository(
            `${name}-repo`,
            {
                project: args.project,
                location: args.region,
                repositoryId: args.repositoryId,
                format: "DOCKER",
                description: "Images of the Flask service, pushed by Pulumi",
                cleanupPolicyDryRun: false,
                // A version that matches a KEEP policy is never deleted, so the
                // newest ones (and with them the running image) survive both deletes.
                cleanupPolicies: [
                    { id: "keep-recent", action: "KEEP", mostRecentVersions: { keepCount: keepVersions } },
                    // Build-cache manifests and images whose tag moved on.
                    { id: "delete-untagged", action: "DELETE", condition: { tagState: "UNTAGGED" } },
                    { id: "delete-old", action: "DELETE", condition: { tagState: "ANY", olderThan: `${deleteAfterSeconds}s` } },
                ],
            },
            { parent: this, dependsOn: [args.apis] },
        );

        const server = pulumi.interpolate`${this.repository.location}-docker.pkg.dev`;
        // Built from the repository's outputs so the push waits for the repository.
        this.imageRepository = pulumi.interpolate`${server}/${this.repository.project}/${this.repository.repositoryId}/app`;
        this.registry = {
            server,
            username: "oauth2accesstoken",
            password: gcp.organizations.getClientConfigOutput({ parent: this }).accessToken,
        };
        this.registerOutputs({ repository: this.repository.id, imageRepository: this.imageRepository });
    }
}
