// flask-multicloud: settings -> image -> the one target the settings name -> outputs.
import { loadSettings } from "./components/stackConfig";
import type { TargetOutputs } from "./components/serviceArgs";
import type { Settings } from "./components/settings";

/** Builds the one target the settings name; only that cloud's SDK is loaded. */
async function buildTarget(settings: Settings): Promise<TargetOutputs> {
    if (settings.cloud === "aws" && settings.aws?.platform === "beanstalk") {
        const { BeanstalkTarget } = await import("./components/aws/beanstalkTarget");
        return new BeanstalkTarget("app", { settings }).outputs;
    }
    if (settings.cloud === "aws") {
        const { AwsTarget } = await import("./components/aws/awsTarget");
        return new AwsTarget("app", { settings }).outputs;
    }
    const { GcpTarget } = await import("./components/gcp/gcpTarget");
    return new GcpTarget("app", { settings }).outputs;
}

export = async () => {
    const settings = loadSettings();
    const { url, imageRef, serviceName, consoleUrl, databaseEndpoint, cacheEndpoint, extra } = await buildTarget(settings);
    const delivery = settings.deployments ? new (await import("./components/delivery/deployments")).PulumiDeployments("delivery", { settings }) : undefined;
    return {
        cloud: settings.cloud,
        url,
        imageRef,
        serviceName,
        consoleUrl,
        ...(databaseEndpoint ? { databaseEndpoint } : {}),
        ...(cacheEndpoint ? { cacheEndpoint } : {}),
        ...extra,
        ...(delivery ? delivery.outputs : {}),
    };
};
