// Delivery as code: the stack configures its own Pulumi Deployments (deploy on
// push, preview on pull requests) and the OIDC trust those deployments use in
// the stack's cloud, so no cloud key exists anywhere. Created only when the
// `deployments` setting is present.
import * as pulumi from "@pulumi/pulumi";
import * as service from "@pulumi/pulumiservice";
import { Settings } from "../settings";
import { AwsOidcTrust } from "./awsOidcTrust";
import { DeploymentCredentials, deploymentSettingsArgs } from "./deploymentSettings";
import { GcpOidcTrust } from "./gcpOidcTrust";
import { StackIdentity, subjectPattern } from "./pulumiOidc";

export interface DeploymentsArgs {
    /** Validated stack settings; `settings.deployments` must be present. */
    readonly settings: Settings;
    /**
     * The stack deployments run for.
     * @default the running program's organization, project and stack
     */
    readonly identity?: StackIdentity;
}

/** Length of an AWS assume-role session: long enough for a first `pulumi up` that creates a Multi-AZ database. */
const AWS_SESSION = { seconds: 7200, duration: "2h0m0s" } as const;

export class PulumiDeployments extends pulumi.ComponentResource {
    /** Stack outputs, spread into the program's exports. */
    readonly outputs: Readonly<Record<string, pulumi.Output<unknown>>>;

    constructor(name: string, args: DeploymentsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:delivery:PulumiDeployments", name, {}, opts);
        const { settings } = args;
        const deployments = settings.deployments;
        if (deployments === undefined) {
            throw new Error("PulumiDeployments needs settings.deployments; index.ts creates it only when the setting is present");
        }
        const identity = args.identity ?? { organization: pulumi.getOrganization(), project: pulumi.getProject(), stack: pulumi.getStack() };

        const trust = createTrust(name, settings, identity, this);
        new service.DeploymentSettings(`${name}-settings`, deploymentSettingsArgs({ identity, deployments, credentials: trust.credentials }), { parent: this });

        this.outputs = {
            deploymentsRepository: pulumi.output(deployments.repository),
            deploymentsBranch: pulumi.output(deployments.branch),
            deployerIdentity: trust.deployer,
            deploymentsOidcSubject: pulumi.output(subjectPattern(identity)),
        };
        this.registerOutputs(this.outputs);
    }
}

/** The OIDC trust in the stack's own cloud, and the credentials block that uses it. */
function createTrust(name: string, settings: Settings, identity: StackIdentity, parent: pulumi.Resource): { credentials: DeploymentCredentials; deployer: pulumi.Output<string> } {
    if (settings.cloud === "aws") {
        const trust = new AwsOidcTrust(`${name}-aws-trust`, { identity, region: settings.aws!.region, maxSessionSeconds: AWS_SESSION.seconds, existingProviderArn: settings.deployments?.awsOidcProviderArn }, { parent });
        return {
            credentials: { cloud: "aws", roleArn: trust.roleArn, sessionName: trust.sessionName, duration: AWS_SESSION.duration },
            deployer: trust.roleArn,
        };
    }
    const gcpSettings = settings.gcp!;
    const trust = new GcpOidcTrust(`${name}-gcp-trust`, { identity, project: gcpSettings.project }, { parent });
    return {
        credentials: {
            cloud: "gcp",
            projectNumber: trust.projectNumber,
            workloadPoolId: trust.workloadPoolId,
            providerId: trust.providerId,
            serviceAccountEmail: trust.serviceAccountEmail,
            region: gcpSettings.region,
        },
        deployer: trust.serviceAccountEmail,
    };
}
