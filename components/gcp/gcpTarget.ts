// PLACEHOLDER until the Google Cloud target lands (issue 5).
import * as pulumi from "@pulumi/pulumi";
import { Settings } from "../settings";
import { TargetOutputs } from "../serviceArgs";

export interface GcpTargetArgs {
    readonly settings: Settings;
}

export class GcpTarget extends pulumi.ComponentResource {
    readonly outputs: TargetOutputs;
    constructor(name: string, args: GcpTargetArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:gcp:GcpTarget", name, {}, opts);
        const none = pulumi.output("");
        this.outputs = { url: none, imageRef: none, serviceName: none, consoleUrl: none, extra: {} };
        void args;
        this.registerOutputs({});
    }
}
