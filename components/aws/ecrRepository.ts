// The private image registry for one stack: scanned, immutable, encrypted and
// pruned, with the push credentials the shared ContainerImage needs.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { RegistryAccess } from "../containerImage";

export interface EcrRepositoryArgs {
    /** Allow `pulumi destroy` to delete a repository that still holds images. Off in prod (`!settings.protect`). */
    readonly forceDelete: boolean;
    /** Tagged images kept; older ones expire. Enough to roll back a few releases. @default 20 */
    readonly keepTaggedImages?: number;
    /** Days an untagged image (a superseded build layer or manifest) is kept. @default 1 */
    readonly untaggedExpiryDays?: number;
}

export const ECR_DEFAULTS = { keepTaggedImages: 20, untaggedExpiryDays: 1 } as const;

export class EcrRepository extends pulumi.ComponentResource {
    /** `<account>.dkr.ecr.<region>.amazonaws.com/<name>`, without a tag. */
    readonly repositoryUrl: pulumi.Output<string>;
    readonly arn: pulumi.Output<string>;
    /** Where and how to push, with a short-lived token issued at deploy time. */
    readonly registry: RegistryAccess;

    constructor(name: string, args: EcrRepositoryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:aws:EcrRepository", name, {}, opts);
        const { keepTaggedImages, untaggedExpiryDays } = { ...ECR_DEFAULTS, ...args };

        const repository = new aws.ecr.Repository(
            `${name}-repo`,
            {
                // Tags are content-derived (git sha); immutability means a tag always names the same image.
                imageTagMutability: "IMMUTABLE",
                imageScanningConfiguration: { scanOnPush: true },
                // The AWS-managed key: encryption at rest with no key policy for the roles to carry.
                encryptionConfigurations: [{ encryptionType: "KMS" }],
                forceDelete: args.forceDelete,
            },
            { parent: this },
        );

        new aws.ecr.LifecyclePolicy(
            `${name}-lifecycle`,
            {
                repository: repository.name,
                policy: JSON.stringify({
                    rules: [
                        {
                            rulePriority: 1,
                            description: `Expire untagged images after ${untaggedExpiryDays} day(s)`,
                            selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: untaggedExpiryDays },
                            action: { type: "expire" },
                        },
                        {
                            rulePriority: 2,
                            description: `Keep the last ${keepTaggedImages} tagged images`,
                            selection: { tagStatus: "tagged", tagPatternList: ["*"], countType: "imageCountMoreThan", countNumber: keepTaggedImages },
                            action: { type: "expire" },
                        },
                    ],
                }),
            },
            { parent: this },
        );

        // Read at deploy time from the provider's credentials; nothing about the registry lives in a stack file.
        const token = aws.ecr.getAuthorizationTokenOutput({ registryId: repository.registryId }, { parent: this });
        this.repositoryUrl = repository.repositoryUrl;
        this.arn = repository.arn;
        this.registry = {
            server: token.proxyEndpoint.apply((endpoint) => endpoint.replace(/^https?:\/\//, "")),
            username: token.userName,
            password: pulumi.secret(token.password),
        };
        this.registerOutputs({ repositoryUrl: this.repositoryUrl, arn: this.arn });
    }
}
