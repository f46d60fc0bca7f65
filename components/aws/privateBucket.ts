// An S3 bucket nobody outside the stack reads: public access blocked, owner-
// enforced objects (no ACLs), S3-managed encryption, TLS only, and optionally
// emptied of objects older than a number of days. The access-log bucket and
// Beanstalk's version bucket are both this, with their own grants added.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** A bucket policy statement; `arn` is the bucket's. */
export type BucketStatement = Record<string, unknown>;

export interface PrivateBucketArgs {
    /** Empty the bucket on destroy even when it holds objects. Off when the stack is protected. */
    readonly forceDestroy: boolean;
    /** Delete objects this many days after they are written. @default never */
    readonly expireAfterDays?: number;
    /**
     * Grants beyond the TLS-only deny, given the bucket ARN and, where they
     * need it, the account, region and partition.
     * @default none
     */
    readonly statements?: (where: { arn: string; accountId: string; region: string; partition: string }) => BucketStatement[];
}

export class PrivateBucket extends pulumi.ComponentResource {
    readonly bucket: aws.s3.Bucket;
    /** The bucket policy: whatever relies on its grants must wait for it. */
    readonly policy: aws.s3.BucketPolicy;

    constructor(name: string, args: PrivateBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:aws:PrivateBucket", name, {}, opts);
        const parent = { parent: this };
        this.bucket = new aws.s3.Bucket(name, { forceDestroy: args.forceDestroy }, parent);
        const bucketId = this.bucket.id;
        new aws.s3.BucketOwnershipControls(`${name}-ownership`, { bucket: bucketId, rule: { objectOwnership: "BucketOwnerEnforced" } }, parent);
        const publicAccess = new aws.s3.BucketPublicAccessBlock(
            `${name}-public-access`,
            { bucket: bucketId, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            parent,
        );
        // SSE-S3: the only encryption ELB log delivery can write to, and free.
        new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-encryption`, { bucket: bucketId, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] }, parent);
        if (args.expireAfterDays !== undefined) {
            new aws.s3.BucketLifecycleConfiguration(
                `${name}-lifecycle`,
                {
                    bucket: bucketId,
                    rules: [{ id: "expire", status: "Enabled", filter: { prefix: "" }, expiration: { days: args.expireAfterDays }, abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } }],
                },
                parent,
            );
        }

        const account = aws.getCallerIdentityOutput({}, parent).accountId;
        const region = aws.getRegionOutput({}, parent).region;
        const partition = aws.getPartitionOutput({}, parent).partition;
        this.policy = new aws.s3.BucketPolicy(
            `${name}-policy`,
            {
                bucket: bucketId,
                policy: pulumi.all([this.bucket.arn, account, region, partition]).apply(([arn, accountId, regionName, partitionName]) =>
                    JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [
                            { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [arn, `${arn}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } },
                            ...(args.statements?.({ arn, accountId, region: regionName, partition: partitionName }) ?? []),
                        ],
                    }),
                ),
            },
            // S3 rejects a policy while the public access block is being applied.
            { parent: this, dependsOn: [publicAccess] },
        );
        this.registerOutputs({ bucket: this.bucket.bucket, arn: this.bucket.arn });
    }
}
