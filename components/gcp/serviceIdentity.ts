// The identity the Cloud Run service runs as: its own service account with no
// project-wide role. What it may read is granted resource by resource (each
// secret grants it access in `ServiceSecrets`), never on the project, so it
// cannot reach another stack's secrets or anything else in the project.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import { label } from "../naming";

export interface ServiceIdentityArgs {
    /** The enabled project APIs; every resource here waits for them. */
    readonly apis: pulumi.Resource;
    readonly project: string;
    /** Account ID: 6 to 30 lowercase letters, digits or hyphens, unique in the project. */
    readonly accountId: string;
    readonly description: string;
}

export class ServiceIdentity extends pulumi.ComponentResource {
    readonly account: gcp.serviceaccount.Account;
    readonly email: pulumi.Output<string>;
    /** `serviceAccount:<email>`, for IAM bindings. */
    readonly member: pulumi.Output<string>;

    constructor(name: string, args: ServiceIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:gcp:ServiceIdentity", name, {}, opts);
        this.account = new gcp.serviceaccount.Account(
            `${name}-account`,
            {
                project: args.project,
                accountId: args.accountId,
                displayName: label(args.description, 100),
                description: "Runtime identity of the Cloud Run service; holds no project-level role.",
            },
            { parent: this, dependsOn: [args.apis] },
        );
        this.email = this.account.email;
        this.member = this.account.member;
        this.registerOutputs({ email: this.email });
    }
}
