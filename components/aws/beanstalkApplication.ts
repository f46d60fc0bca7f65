// The Elastic Beanstalk application: the bucket its version bundles live in
// (encrypted, private, TLS only), the service role Beanstalk acts with, and the
// application itself, which prunes versions beyond the last N.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { uniqueName } from "../naming";
import { PrivateBucket } from "./privateBucket";

export interface BeanstalkApplicationArgs {
    /** Delete the bundle bucket even when it still holds bundles. Off in prod (`!settings.protect`). */
    readonly forceDestroy: boolean;
    /** Application versions kept; older ones (and their bundles) are deleted by Beanstalk. @default 20 */
    readonly keepVersions?: number;
}

export const BEANSTALK_APPLICATION_DEFAULTS = { keepVersions: 20 } as const;

/** AWS managed policies the service role carries: enhanced health, and managed platform updates (which need that role too). */
export const BEANSTALK_SERVICE_POLICIES = [
    "arn:aws:iam::aws:policy/service-role/AWSElasticBeanstalkEnhancedHealth",
    "arn:aws:iam::aws:policy/AWSElasticBeanstalkManagedUpdatesCustomerRolePolicy",
] as const;

/** Application name: the stack's identity, within CreateApplication's 100 characters. */
export function beanstalkApplicationName(project: string, stack: string): string {
    return uniqueName([project, stack], 100);
}

export class BeanstalkApplication extends pulumi.ComponentResource {
    readonly name: pulumi.Output<string>;
    readonly bucketName: pulumi.Output<string>;
    readonly bucketArn: pulumi.Output<string>;
    /** The role Beanstalk assumes for health, managed updates and version pruning. */
    readonly serviceRoleArn: pulumi.Output<string>;
    /** Its name: the form the environment's ServiceRole options document. */
    readonly serviceRoleName: pulumi.Output<string>;

    constructor(name: string, args: BeanstalkApplicationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:aws:BeanstalkApplication", name, {}, opts);
        const keepVersions = args.keepVersions ?? BEANSTALK_APPLICATION_DEFAULTS.keepVersions;
        if (!Number.isInteger(keepVersions) || keepVersions < 1 || keepVersions > 1000) {
            throw new Error(`keepVersions = ${keepVersions}: keep 1 to 1000 application versions (Beanstalk's per-application quota is 1000)`);
        }

        const bucket = this.createBucket(name, args.forceDestroy);
        const serviceRole = this.createServiceRole(name, bucket);

        const application = new aws.elasticbeanstalk.Application(
            `${name}-app`,
            {
                name: beanstalkApplicationName(pulumi.getProject(), pulumi.getStack()),
                description: `${pulumi.getProject()}/${pulumi.getStack()}`,
                // Pulumi forgets a replaced version (retainOnDelete); Beanstalk keeps the newest N to roll back to.
                appversionLifecycle: { serviceRole: serviceRole.arn, maxCount: keepVersions, deleteSourceFromS3: true },
            },
            { parent: this },
        );

        this.name = application.name;
        this.bucketName = bucket.bucket;
        this.bucketArn = bucket.arn;
        this.serviceRoleArn = serviceRole.arn;
        this.serviceRoleName = serviceRole.name;
        this.registerOutputs({ name: this.name, bucketName: this.bucketName, bucketArn: this.bucketArn, serviceRoleArn: this.serviceRoleArn, serviceRoleName: this.serviceRoleName });
    }

    private createBucket(name: string, forceDestroy: boolean): aws.s3.Bucket {
        return new PrivateBucket(`${name}-versions`, { forceDestroy }, { parent: this }).bucket;
    }

    /**
     * Beanstalk's service role: enhanced health and managed updates through the
     * AWS managed policies Beanstalk documents for them, and deleting pruned
     * bundles from this stack's bucket only.
     */
    private createServiceRole(name: string, bucket: aws.s3.Bucket): aws.iam.Role {
        const account = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
        const role = new aws.iam.Role(
            `${name}-service-role`,
            {
                description: "Elastic Beanstalk: health reporting, managed platform updates, pruning old versions",
                assumeRolePolicy: account.apply((accountId) =>
                    JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [
                            {
                                Effect: "Allow",
                                Principal: { Service: "elasticbeanstalk.amazonaws.com" },
                                Action: "sts:AssumeRole",
                                // Beanstalk passes this external ID; the account condition guards against a confused deputy.
                                Condition: { StringEquals: { "sts:ExternalId": "elasticbeanstalk", "aws:SourceAccount": accountId } },
                            },
                        ],
                    }),
                ),
            },
            { parent: this },
        );
        BEANSTALK_SERVICE_POLICIES.forEach((policyArn, i) => {
            new aws.iam.RolePolicyAttachment(`${name}-service-policy-${i}`, { role: role.name, policyArn }, { parent: this });
        });
        new aws.iam.RolePolicy(
            `${name}-service-prune`,
            {
                role: role.id,
                policy: bucket.arn.apply((arn) =>
                    JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [{ Sid: "PruneBundles", Effect: "Allow", Action: ["s3:DeleteObject"], Resource: [`${arn}/*`] }],
                    }),
                ),
            },
            { parent: this },
        );
        return role;
    }
}
