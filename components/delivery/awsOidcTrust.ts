// Lets Pulumi Deployments run `pulumi up` for this one stack in this AWS
// account with short-lived credentials: Pulumi Cloud as an IAM OIDC identity
// provider, and a role only this stack's deployments can assume.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { awsDeployerPolicy } from "./awsDeployerPolicy";
import { safeId } from "../naming";
import { PULUMI_OIDC_HOST_PATH, PULUMI_OIDC_ISSUER, StackIdentity, pulumiAudience, subjectPattern } from "./pulumiOidc";

export interface AwsOidcTrustArgs {
    /** The stack whose deployments may assume the role. */
    readonly identity: StackIdentity;
    /** The stack's region; the role's regional permissions stop at it. */
    readonly region: string;
    /**
     * ARN of an IAM OIDC provider for https://api.pulumi.com/oidc that already
     * exists in the account. AWS allows one provider per issuer URL per
     * account, so the second stack in an account must bring the first's
     * (whose audiences must include the organization name).
     * @default none: this stack creates the provider
     */
    readonly existingProviderArn?: pulumi.Input<string>;
    /** Longest session a deployment may ask for, in seconds. @default 7200 */
    readonly maxSessionSeconds?: number;
}

export class AwsOidcTrust extends pulumi.ComponentResource {
    /** The role Pulumi Deployments assumes. */
    readonly roleArn: pulumi.Output<string>;
    /** The OIDC provider the role trusts (created here or brought in). */
    readonly providerArn: pulumi.Output<string>;
    /** Name of the assume-role session, visible in CloudTrail. */
    readonly sessionName: string;

    constructor(name: string, args: AwsOidcTrustArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:delivery:AwsOidcTrust", name, {}, opts);
        const parent = { parent: this };

        this.providerArn = args.existingProviderArn !== undefined ? pulumi.output(args.existingProviderArn) : this.createProvider(name, args.identity, parent);
        const role = this.createRole(name, args, parent);
        this.createPermissions(name, role, args.region, parent);

        this.roleArn = role.arn;
        // RoleSessionName allows [\w+=,.@-], at most 64 characters.
        this.sessionName = safeId(["pulumi-deployments", args.identity.stack], 64);
        this.registerOutputs({ roleArn: this.roleArn, providerArn: this.providerArn });
    }

    private createProvider(name: string, identity: StackIdentity, parent: pulumi.CustomResourceOptions): pulumi.Output<string> {
        // No thumbprintLists: IAM verifies the issuer's TLS certificate against its
        // library of trusted root CAs and ignores thumbprints for such issuers
        // (IAM API reference, UpdateOpenIDConnectProviderThumbprint); @pulumi/aws 7 makes it optional.
        const provider = new aws.iam.OpenIdConnectProvider(
            `${name}-provider`,
            { url: PULUMI_OIDC_ISSUER, clientIdLists: [pulumiAudience(identity)] },
            parent,
        );
        return provider.arn;
    }

    private createRole(name: string, args: AwsOidcTrustArgs, parent: pulumi.CustomResourceOptions): aws.iam.Role {
        const { identity } = args;
        const trust = this.providerArn.apply((providerArn) =>
            JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "PulumiDeploymentsOfThisStack",
                        Effect: "Allow",
                        Principal: { Federated: providerArn },
                        Action: "sts:AssumeRoleWithWebIdentity",
                        Condition: {
                            // Condition keys are the issuer without its scheme, then the claim.
                            StringEquals: { [`${PULUMI_OIDC_HOST_PATH}:aud`]: pulumiAudience(identity) },
                            StringLike: { [`${PULUMI_OIDC_HOST_PATH}:sub`]: subjectPattern(identity) },
                        },
                    },
                ],
            }),
        );
        return new aws.iam.Role(
            `${name}-deployer`,
            {
                description: `Pulumi Deployments of ${identity.organization}/${identity.project}/${identity.stack}`,
                assumeRolePolicy: trust,
                maxSessionDuration: args.maxSessionSeconds ?? 7200,
            },
            parent,
        );
    }

    private createPermissions(name: string, role: aws.iam.Role, region: string, parent: pulumi.CustomResourceOptions): void {
        const account = aws.getCallerIdentityOutput({}, parent);
        const partition = aws.getPartitionOutput({}, parent);
        new aws.iam.RolePolicy(
            `${name}-deployer-permissions`,
            {
                role: role.name,
                policy: pulumi
                    .all([partition.partition, account.accountId])
                    .apply(([p, accountId]) => JSON.stringify(awsDeployerPolicy({ partition: p, accountId, region }))),
            },
            parent,
        );
    }
}
