// Lets Pulumi Deployments run `pulumi up` for this one stack in this Google
// Cloud project without a key file: a workload identity pool and OIDC provider
// for Pulumi Cloud that admit only this stack's tokens, and a deployer service
// account those tokens may impersonate.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { label, safeId, uniqueId } from "../naming";
import { PULUMI_OIDC_ISSUER, StackIdentity, longestSubject, pulumiAudience, subjectPrefix } from "./pulumiOidc";

/**
 * Project roles the DEPLOYER service account gets: what `pulumi up` of the
 * Google Cloud target needs. The app's runtime service account is a different
 * account with far fewer permissions; none of these reach it.
 */
export const GCP_DEPLOYER_ROLES: Readonly<Record<string, string>> = {
    "roles/run.admin": "Cloud Run service, its IAM (public invoker) and domain mapping",
    "roles/artifactregistry.admin": "image repository and the image push",
    "roles/secretmanager.admin": "the app's secrets and who may read them",
    "roles/iam.serviceAccountAdmin": "the app's runtime service account",
    "roles/iam.serviceAccountUser": "deploy Cloud Run as the runtime service account",
    "roles/serviceusage.serviceUsageAdmin": "enable the APIs the stack uses",
    "roles/cloudsql.admin": "Cloud SQL PostgreSQL (database: postgres)",
    "roles/redis.admin": "Memorystore Redis (cache: redis)",
    "roles/compute.networkAdmin": "VPC, subnet, private services address range",
    "roles/compute.loadBalancerAdmin": "load balancer and managed certificate for a custom domain",
    "roles/servicenetworking.networksAdmin": "private services connection for Cloud SQL and Memorystore",
    "roles/resourcemanager.projectIamAdmin": "project roles for the runtime account, and this deployer's own roles",
    "roles/iam.workloadIdentityPoolAdmin": "this trust itself (pool and provider), which the stack manages",
};

/** APIs the token exchange itself calls: STS, IAM credentials (impersonation), and IAM (the pool). */
export const GCP_FEDERATION_APIS = ["iam.googleapis.com", "iamcredentials.googleapis.com", "sts.googleapis.com"] as const;

/** google.subject may hold at most 127 bytes (Google Cloud IAM, workload identity federation attribute mappings). */
export const GOOGLE_SUBJECT_MAX = 127;

export interface GcpOidcTrustArgs {
    /** The stack whose deployments may impersonate the deployer. */
    readonly identity: StackIdentity;
    /** Project ID (`gcp:project`) the stack deploys to. */
    readonly project: string;
}

export class GcpOidcTrust extends pulumi.ComponentResource {
    /** Pool ID (not the full resource name), as Pulumi Deployments asks for it. */
    readonly workloadPoolId: pulumi.Output<string>;
    /** Provider ID within the pool. */
    readonly providerId: pulumi.Output<string>;
    /** The deployer service account's e-mail. */
    readonly serviceAccountEmail: pulumi.Output<string>;
    /** The project's number: Pulumi Deployments wants the number, not the ID. */
    readonly projectNumber: pulumi.Output<string>;

    constructor(name: string, args: GcpOidcTrustArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:delivery:GcpOidcTrust", name, {}, opts);
        checkSubjectLength(args.identity);
        const parent = { parent: this };
        const { identity, project } = args;
        // One pool per project and stack: stacks sharing a Google project never share a trust. IDs are 4-32 characters.
        const poolId = uniqueId(["pulumi", identity.project, identity.stack], 32);

        // Left enabled on destroy: other stacks and people in the project may rely on them.
        const apis = GCP_FEDERATION_APIS.map((api) => new gcp.projects.Service(`${name}-${api.split(".")[0]}-api`, { project, service: api, disableOnDestroy: false }, parent));
        const pool = new gcp.iam.WorkloadIdentityPool(
            `${name}-pool`,
            { project, workloadIdentityPoolId: poolId, displayName: safeId([identity.project, identity.stack], 32), description: `Pulumi Deployments of ${identity.project}/${identity.stack}` },
            { parent: this, dependsOn: apis },
        );
        const provider = new gcp.iam.WorkloadIdentityPoolProvider(
            `${name}-provider`,
            {
                project,
                workloadIdentityPoolId: pool.workloadIdentityPoolId,
                workloadIdentityPoolProviderId: "pulumi-cloud",
                displayName: "Pulumi Cloud",
                oidc: { issuerUri: PULUMI_OIDC_ISSUER, allowedAudiences: [pulumiAudience(identity)] },
                attributeMapping: { "google.subject": "assertion.sub" },
                attributeCondition: attributeCondition(identity),
            },
            parent,
        );
        const account = new gcp.serviceaccount.Account(
            `${name}-deployer`,
            { project, accountId: uniqueId([identity.project, identity.stack, "deploy"], 30), displayName: label(`Pulumi Deployments of ${identity.project}/${identity.stack}`, 100) },
            parent,
        );
        new gcp.serviceaccount.IAMMember(
            `${name}-impersonation`,
            {
                serviceAccountId: account.name,
                role: "roles/iam.workloadIdentityUser",
                // Every identity of this pool: the pool has one provider, and its condition admits only this stack.
                member: pulumi.interpolate`principalSet://iam.googleapis.com/${pool.name}/*`,
            },
            parent,
        );
        for (const role of Object.keys(GCP_DEPLOYER_ROLES)) {
            new gcp.projects.IAMMember(`${name}-${role.replace(/^roles\//, "").replace(/\./g, "-").toLowerCase()}`, { project, role, member: account.member }, parent);
        }

        this.workloadPoolId = pool.workloadIdentityPoolId;
        this.providerId = provider.workloadIdentityPoolProviderId;
        this.serviceAccountEmail = account.email;
        this.projectNumber = gcp.organizations.getProjectOutput({ projectId: project }, parent).apply((p) => p.number);
        this.registerOutputs({ workloadPoolId: this.workloadPoolId, providerId: this.providerId, serviceAccountEmail: this.serviceAccountEmail, projectNumber: this.projectNumber });
    }
}

/** The CEL condition: the token's subject names this organization, project and stack. */
export function attributeCondition(identity: StackIdentity): string {
    return `assertion.sub.startsWith("${subjectPrefix(identity)}")`;
}

/** Fails before any resource when names are so long that Google would reject every token. */
export function checkSubjectLength(identity: StackIdentity): void {
    const longest = longestSubject(identity);
    if (Buffer.byteLength(longest) > GOOGLE_SUBJECT_MAX) {
        throw new pulumi.RunError(
            `deployments: the OIDC subject for organization "${identity.organization}", project "${identity.project}", stack "${identity.stack}" ` +
                `is ${Buffer.byteLength(longest)} bytes, over Google Cloud's ${GOOGLE_SUBJECT_MAX}-byte limit for google.subject; shorten the stack or project name`,
        );
    }
}
