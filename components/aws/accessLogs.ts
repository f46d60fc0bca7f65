// The S3 bucket the load balancer writes its access logs to: private,
// encrypted with S3-managed keys (the only kind ELB log delivery supports),
// TLS only, and emptied of logs older than `logRetentionDays`.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PrivateBucket } from "./privateBucket";

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
        const bucket = new PrivateBucket(
            `${name}-bucket`,
            {
                forceDestroy: !args.protect,
                expireAfterDays: args.retentionDays,
                statements: ({ arn, accountId, region, partition }) => [
                    { Sid: "ElbLogDelivery", Effect: "Allow", Principal: logDeliveryPrincipal(region, partition), Action: "s3:PutObject", Resource: `${arn}/AWSLogs/${accountId}/*` },
                ],
            },
            { parent: this },
        );
        this.policy = bucket.policy;
        this.bucketName = bucket.bucket.bucket;
        this.registerOutputs({ bucketName: this.bucketName });
    }
}
