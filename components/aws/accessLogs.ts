// The S3 bucket the load balancer writes its access logs to: private,
// encrypted with S3-managed keys (the only kind ELB log delivery supports),
// TLS only, and emptied of logs older than `logRetentionDays`.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/**
 * The Elastic Load Balancing account that delivers access logs in each region
 * opened before August 2022. Regions opened since then grant the log-delivery
 * service principal instead (ELB_LOG_DELIVERY_PRINCIPAL).
 * Source: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html
 * (the same table as Terraform's aws_elb_service_account).
 */
export const ELB_ACCOUNT_IDS: Readonly<Record<string, string>> = {
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-west-1": "027434742980",
    "us-west-2": "797873946194",
    "af-south-1": "098369216593",
    "ap-east-1": "754344448648",
    "ap-southeast-3": "589379963580",
    "ap-south-1": "718504428378",
    "ap-northeast-3": "383597477331",
    "ap-northeast-2": "600734575887",
    "ap-southeast-1": "114774131450",
    "ap-southeast-2": "783225319266",
    "ap-northeast-1": "582318560864",
    "ca-central-1": "985666609251",
    "eu-central-1": "054676820928",
    "eu-west-1": "156460612806",
    "eu-west-2": "652711504416",
    "eu-south-1": "635631232127",
    "eu-west-3": "009996457667",
    "eu-north-1": "897822967062",
    "me-south-1": "076674570225",
    "sa-east-1": "507241528517",
    "us-gov-west-1": "048591011584",
    "us-gov-east-1": "190560391635",
    "cn-north-1": "638102146993",
    "cn-northwest-1": "037604701340",
};

export const ELB_LOG_DELIVERY_PRINCIPAL = "logdelivery.elasticloadbalancing.amazonaws.com";

/** Who may write access logs in `region`: the regional ELB account where there is one, else the log-delivery service. */
export function logDeliveryPrincipal(region: string, partition: string): { AWS: string } | { Service: string } {
    const account = ELB_ACCOUNT_IDS[region];
    return account ? { AWS: `arn:${partition}:iam::${account}:root` } : { Service: ELB_LOG_DELIVERY_PRINCIPAL };
}

export interface AccessLogsArgs {
    /** Days access logs are kept before S3 expires them (the `logRetentionDays` setting). */
    readonly retentionDays: number;
    /** Keep the bucket when it still holds logs; otherwise destroying the stack empties it. */
    readonly protect: boolean;
}

export class AccessLogs extends pulumi.ComponentResource {
    readonly bucketName: pulumi.Output<string>;
    /** The bucket policy: the balancer must wait for it, since enabling logs checks the grant. */
    readonly policy: aws.s3.BucketPolicy;

    constructor(name: string, args: AccessLogsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:aws:AccessLogs", name, {}, opts);
        const bucket = new aws.s3.Bucket(`${name}-bucket`, { forceDestroy: !args.protect }, { parent: this });
        new aws.s3.BucketOwnershipControls(`${name}-ownership`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, { parent: this });
        const publicAccess = new aws.s3.BucketPublicAccessBlock(
            `${name}-public-access`,
            { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            { parent: this },
        );
        new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-encryption`,
            { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
            { parent: this },
        );
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-lifecycle`,
            {
                bucket: bucket.id,
                rules: [{ id: "expire-access-logs", status: "Enabled", filter: { prefix: "" }, expiration: { days: args.retentionDays }, abortIncompleteMultipartUpload: { daysAfterInitiation: 1 } }],
            },
            { parent: this },
        );

        const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
        const region = aws.getRegionOutput({}, { parent: this }).region;
        const partition = aws.getPartitionOutput({}, { parent: this }).partition;
        this.policy = new aws.s3.BucketPolicy(
            `${name}-policy`,
            {
                bucket: bucket.id,
                policy: pulumi.all([bucket.arn, account, region, partition]).apply(([arn, accountId, regionName, partitionName]) =>
                    JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [
                            {
                                Sid: "DenyInsecureTransport",
                                Effect: "Deny",
                                Principal: "*",
                                Action: "s3:*",
                                Resource: [arn, `${arn}/*`],
                                Condition: { Bool: { "aws:SecureTransport": "false" } },
                            },
                            {
                                Sid: "ElbLogDelivery",
                                Effect: "Allow",
                                Principal: logDeliveryPrincipal(regionName, partitionName),
                                Action: "s3:PutObject",
                                Resource: `${arn}/AWSLogs/${accountId}/*`,
                            },
                        ],
                    }),
                ),
            },
            // S3 rejects a policy while the public access block is being applied.
            { parent: this, dependsOn: [publicAccess] },
        );

        this.bucketName = bucket.bucket;
        this.registerOutputs({ bucketName: this.bucketName });
    }
}
