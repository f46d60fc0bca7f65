// The stack's secret settings in Secrets Manager: one secret per setting, so a
// platform can inject each by reference and grant reading exactly these.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface AppSecretsArgs {
    /** Secret values by environment name (Pulumi secrets). */
    readonly values: Readonly<Record<string, pulumi.Input<string>>>;
    /** Keep a deleted secret recoverable for 30 days; otherwise delete at once so a disposable stack can be re-created. */
    readonly protect: boolean;
}

export class AppSecrets extends pulumi.ComponentResource {
    /** Secret ARN by environment name. */
    readonly arns: Readonly<Record<string, pulumi.Output<string>>>;

    constructor(name: string, args: AppSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:aws:AppSecrets", name, {}, opts);
        const arns: Record<string, pulumi.Output<string>> = {};
        for (const key of Object.keys(args.values).sort()) {
            const slug = key.toLowerCase().replace(/_/g, "-");
            const secret = new aws.secretsmanager.Secret(
                `${name}-${slug}`,
                { description: `${key} for ${pulumi.getProject()}/${pulumi.getStack()}`, recoveryWindowInDays: args.protect ? 30 : 0 },
                { parent: this },
            );
            new aws.secretsmanager.SecretVersion(`${name}-${slug}-value`, { secretId: secret.id, secretString: pulumi.secret(args.values[key]) }, { parent: this });
            arns[key] = secret.arn;
        }
        this.arns = arns;
        this.registerOutputs({ arns: this.arns });
    }
}
