// flask-multicloud: settings -> image -> the one target the settings name -> outputs.
import { AwsTarget } from "./components/aws/awsTarget";
import { PulumiDeployments } from "./components/delivery/deployments";
import { GcpTarget } from "./components/gcp/gcpTarget";
import { loadSettings } from "./components/stackConfig";

export = async () => {
    const settings = loadSettings();
    const target = settings.cloud === "aws" ? new AwsTarget("app", { settings }) : new GcpTarget("app", { settings });
    const delivery = settings.deployments ? new PulumiDeployments("delivery", { settings }) : undefined;
    const { url, imageRef, serviceName, consoleUrl, databaseEndpoint, cacheEndpoint, extra } = target.outputs;
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
