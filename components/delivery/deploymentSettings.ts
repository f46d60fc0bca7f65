// The Pulumi Deployments settings of one stack, as a pure function of the
// repository settings and the cloud credentials: what runs, from where, when,
// and as whom. Kept pure so tests read exactly what Pulumi Cloud receives.
import * as pulumi from "@pulumi/pulumi";
import * as service from "@pulumi/pulumiservice";
import { DeploymentsSettings } from "../settings";
import { StackIdentity } from "./pulumiOidc";

/** Runs before every Pulumi operation: a clean install from the lockfile, so a deployment builds what review saw. */
export const PRE_RUN_COMMANDS = ["npm ci"] as const;

/** How a deployment gets cloud credentials: by OIDC, for exactly one cloud. */
export type DeploymentCredentials =
    | {
          readonly cloud: "aws";
          readonly roleArn: pulumi.Input<string>;
          readonly sessionName: string;
          /** Session length in Go duration format ("XhYmZs"). */
          readonly duration: string;
      }
    | {
          readonly cloud: "gcp";
          /** The project NUMBER. */
          readonly projectNumber: pulumi.Input<string>;
          readonly workloadPoolId: pulumi.Input<string>;
          readonly providerId: pulumi.Input<string>;
          readonly serviceAccountEmail: pulumi.Input<string>;
          readonly region: string;
      };

export interface DeploymentSettingsInputs {
    readonly identity: StackIdentity;
    readonly deployments: DeploymentsSettings;
    readonly credentials: DeploymentCredentials;
}

/** The `pulumiservice.DeploymentSettings` arguments for this stack. */
export function deploymentSettingsArgs(inputs: DeploymentSettingsInputs): service.DeploymentSettingsArgs {
    const { identity, deployments, credentials } = inputs;
    return {
        organization: identity.organization,
        project: identity.project,
        stack: identity.stack,
        sourceContext: {
            // No repoUrl and no gitAuth: the Pulumi GitHub app fetches the source, so no git credential exists anywhere.
            git: { branch: `refs/heads/${deployments.branch}` },
        },
        // `vcs` replaces the deprecated `github` block in @pulumi/pulumiservice 1.x; provider "github" uses the Pulumi GitHub app.
        vcs: {
            provider: "github",
            repository: deployments.repository,
            deployCommits: true,
            previewPullRequests: true,
            pullRequestTemplate: false,
            ...(deployments.paths.length > 0 ? { paths: [...deployments.paths] } : {}),
        },
        operationContext: {
            preRunCommands: [...PRE_RUN_COMMANDS],
            // The default install step would run `npm install`, which may rewrite the lockfile; `npm ci` above replaces it.
            options: { skipInstallDependencies: true },
            oidc: credentials.cloud === "aws" ? awsOidc(credentials) : gcpOidc(credentials),
        },
    };
}

function awsOidc(c: Extract<DeploymentCredentials, { cloud: "aws" }>): service.types.input.OperationContextOIDCArgs {
    return { aws: { roleARN: c.roleArn, sessionName: c.sessionName, duration: c.duration } };
}

function gcpOidc(c: Extract<DeploymentCredentials, { cloud: "gcp" }>): service.types.input.OperationContextOIDCArgs {
    return {
        gcp: {
            projectId: c.projectNumber,
            workloadPoolId: c.workloadPoolId,
            providerId: c.providerId,
            serviceAccount: c.serviceAccountEmail,
            region: c.region,
        },
    };
}
