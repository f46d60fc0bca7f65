// PLACEHOLDER until delivery lands (issue 7).
import * as pulumi from "@pulumi/pulumi";
import { Settings } from "../settings";

export interface DeploymentsArgs {
    readonly settings: Settings;
}

export class PulumiDeployments extends pulumi.ComponentResource {
    readonly outputs: Readonly<Record<string, pulumi.Output<unknown>>>;
    constructor(name: string, args: DeploymentsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:delivery:PulumiDeployments", name, {}, opts);
        void args;
        this.outputs = {};
        this.registerOutputs({});
    }
}
