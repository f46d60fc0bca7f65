// PLACEHOLDER until the AWS target lands (issue 4).
import * as pulumi from "@pulumi/pulumi";
import { Settings } from "../settings";
import { TargetOutputs } from "../serviceArgs";

export interface AwsTargetArgs {
    readonly settings: Settings;
}

export class AwsTarget extends pulumi.ComponentResource {
    readonly outputs: TargetOutputs;
    constructor(name: string, args: AwsTargetArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:aws:AwsTarget", name, {}, opts);
        const none = pulumi.output("");
        this.outputs = { url: none, imageRef: none, serviceName: none, consoleUrl: none, extra: {} };
        void args;
        this.registerOutputs({});
    }
}
