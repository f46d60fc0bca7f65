// What `pulumi up` of an AWS stack may do, as one IAM policy document: the
// services the AWS target deploys, each limited to the stack's region, and
// IAM limited to the roles and policies the stack manages. A pure function,
// so tests read the exact document the role gets.

/** Services the AWS target uses, by IAM prefix, and why. Regional: limited to the stack's region. */
export const AWS_DEPLOYER_SERVICES: Readonly<Record<string, string>> = {
    ecr: "image repository, lifecycle policy, and the image push",
    ecs: "cluster, task definition, service",
    ec2: "VPC, subnets, NAT gateways, security groups (awsx.ec2.Vpc and the target's groups)",
    elasticloadbalancing: "load balancer, listeners, target groups",
    logs: "log group",
    cloudwatch: "alarms",
    sns: "alarm topic and e-mail subscription",
    "application-autoscaling": "task scaling target and policies",
    secretsmanager: "the app's secrets and the database's managed password",
    rds: "PostgreSQL (database: postgres)",
    elasticache: "Redis (cache: redis)",
    acm: "certificate for a custom domain",
};

/** Roles AWS services create for themselves the first time an account uses them. */
export const AWS_SERVICE_LINKED_ROLES = [
    "ecs.amazonaws.com",
    "elasticloadbalancing.amazonaws.com",
    "ecs.application-autoscaling.amazonaws.com",
    "rds.amazonaws.com",
    "elasticache.amazonaws.com",
] as const;

/** Services the stack's roles are handed to (task and execution roles; RDS enhanced monitoring). */
export const AWS_PASS_ROLE_TO = ["ecs-tasks.amazonaws.com", "monitoring.rds.amazonaws.com"] as const;

/** IAM actions on the roles and customer-managed policies the stack creates. */
const IAM_ROLE_ACTIONS = [
    "iam:GetRole",
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
    "iam:UpdateAssumeRolePolicy",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:ListRoleTags",
    "iam:ListRolePolicies",
    "iam:GetRolePolicy",
    "iam:PutRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:AttachRolePolicy",
    "iam:DetachRolePolicy",
    "iam:ListInstanceProfilesForRole",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:ListPolicyVersions",
    "iam:CreatePolicy",
    "iam:CreatePolicyVersion",
    "iam:DeletePolicy",
    "iam:DeletePolicyVersion",
    "iam:TagPolicy",
    "iam:UntagPolicy",
];

/** IAM actions on the Pulumi OIDC provider, which this same stack manages. */
const IAM_OIDC_PROVIDER_ACTIONS = [
    "iam:GetOpenIDConnectProvider",
    "iam:CreateOpenIDConnectProvider",
    "iam:DeleteOpenIDConnectProvider",
    "iam:AddClientIDToOpenIDConnectProvider",
    "iam:RemoveClientIDFromOpenIDConnectProvider",
    "iam:UpdateOpenIDConnectProviderThumbprint",
    "iam:TagOpenIDConnectProvider",
    "iam:UntagOpenIDConnectProvider",
];

export interface AwsDeployerPolicyArgs {
    /** `aws`, `aws-cn` or `aws-us-gov`. */
    readonly partition: string;
    readonly accountId: string;
    /** The stack's region (`aws:region`); regional actions elsewhere are denied by omission. */
    readonly region: string;
}

export interface PolicyStatement {
    readonly Sid: string;
    readonly Effect: "Allow";
    readonly Action: string | string[];
    readonly Resource: string | string[];
    readonly Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
    readonly Version: "2012-10-17";
    readonly Statement: PolicyStatement[];
}

/** The deployer role's permissions. */
export function awsDeployerPolicy(args: AwsDeployerPolicyArgs): PolicyDocument {
    const iam = (resource: string) => `arn:${args.partition}:iam::${args.accountId}:${resource}`;
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "TargetServicesInStackRegion",
                Effect: "Allow",
                Action: Object.keys(AWS_DEPLOYER_SERVICES).map((prefix) => `${prefix}:*`),
                Resource: "*",
                Condition: { StringEquals: { "aws:RequestedRegion": args.region } },
            },
            {
                // Route 53 is global (its API answers in us-east-1), so it cannot share the region condition.
                Sid: "DnsRecordsForCustomDomain",
                Effect: "Allow",
                Action: ["route53:GetHostedZone", "route53:ListHostedZones", "route53:ListHostedZonesByName", "route53:ListResourceRecordSets", "route53:ChangeResourceRecordSets", "route53:GetChange", "route53:ListTagsForResource"],
                Resource: "*",
            },
            {
                Sid: "StackRolesAndPolicies",
                Effect: "Allow",
                Action: IAM_ROLE_ACTIONS,
                Resource: [iam("role/*"), iam("policy/*")],
            },
            {
                Sid: "PulumiOidcProvider",
                Effect: "Allow",
                Action: IAM_OIDC_PROVIDER_ACTIONS,
                Resource: iam("oidc-provider/api.pulumi.com/oidc"),
            },
            {
                Sid: "PassStackRolesToTheirServices",
                Effect: "Allow",
                Action: "iam:PassRole",
                Resource: iam("role/*"),
                Condition: { StringEquals: { "iam:PassedToService": [...AWS_PASS_ROLE_TO] } },
            },
            {
                Sid: "ServiceLinkedRolesOnFirstUse",
                Effect: "Allow",
                Action: "iam:CreateServiceLinkedRole",
                Resource: iam("role/aws-service-role/*"),
                Condition: { StringEquals: { "iam:AWSServiceName": [...AWS_SERVICE_LINKED_ROLES] } },
            },
        ],
    };
}
