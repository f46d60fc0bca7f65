// What a Pulumi Deployments OIDC token says about itself, in one place, so the
// AWS trust policy and the Google Cloud attribute condition check the same
// claims. Source: Pulumi Cloud docs, "OpenID Connect integration"
// (https://www.pulumi.com/docs/pulumi-cloud/oidc/ and
// https://www.pulumi.com/docs/pulumi-cloud/deployments/oidc/):
//   iss = https://api.pulumi.com/oidc
//   aud = the Pulumi organization's name (Deployments OIDC; ESC login uses
//         `aws:<org>` / `gcp:<org>` instead, which this project does not use)
//   sub = pulumi:deploy:org:<org>:project:<project>:stack:<stack>:operation:<op>:scope:write
// and the guides "Configuring OpenID Connect for AWS / Google Cloud" for
// Deployments, which use the organization name as the audience on both clouds.

/** The issuer of Pulumi Deployments' OIDC tokens. */
export const PULUMI_OIDC_ISSUER = "https://api.pulumi.com/oidc";

/** The issuer without the scheme: how AWS names the provider in ARNs and condition keys. */
export const PULUMI_OIDC_HOST_PATH = "api.pulumi.com/oidc";

/** The stack a deployment runs for: the three names a token's subject carries. */
export interface StackIdentity {
    /** Pulumi organization (`pulumi.getOrganization()`). */
    readonly organization: string;
    /** Pulumi project (`pulumi.getProject()`). */
    readonly project: string;
    /** Pulumi stack (`pulumi.getStack()`). */
    readonly stack: string;
}

/** The `aud` claim of a Deployments token: the organization name, compared case-sensitively. */
export function pulumiAudience(id: StackIdentity): string {
    return id.organization;
}

/**
 * The part of `sub` that names this stack, ending at the colon before
 * `operation`, so a stack named `prod` never matches `prod-eu`.
 */
export function subjectPrefix(id: StackIdentity): string {
    return `pulumi:deploy:org:${id.organization}:project:${id.project}:stack:${id.stack}:`;
}

/** An IAM `StringLike` pattern for every operation (preview, update, refresh, destroy) of this stack. */
export function subjectPattern(id: StackIdentity): string {
    return `${subjectPrefix(id)}operation:*:scope:write`;
}

/** The longest subject this stack's tokens carry (`refresh`/`destroy`/`preview` are the longest operations). */
export function longestSubject(id: StackIdentity): string {
    return `${subjectPrefix(id)}operation:refresh:scope:write`;
}
