// The contract both targets share: the same argument and output names for the
// same ideas, so switching clouds is one config line.
import * as pulumi from "@pulumi/pulumi";
import { Settings } from "./settings";

/** Arguments every service target takes. Sizes are already validated for the target's cloud. */
export interface ServiceArgs {
    /** Digest-pinned image reference (`repo@sha256:...`). */
    readonly image: pulumi.Input<string>;
    /** Port the container listens on. */
    readonly port: number;
    /** vCPU per task or instance. */
    readonly cpu: number;
    /** Memory per task or instance, MiB. */
    readonly memory: number;
    /** Instances kept running; 0 scales to zero where the platform can. */
    readonly minInstances: number;
    readonly maxInstances: number;
    /** Requests one instance serves at once. */
    readonly concurrency: number;
    /** Autoscaling CPU target, percent. */
    readonly cpuTarget: number;
    /** Plain environment variables. */
    readonly env: Readonly<Record<string, pulumi.Input<string>>>;
    /** Secret values by environment name; stored in the cloud's secret manager and injected by reference. */
    readonly secrets: Readonly<Record<string, pulumi.Input<string>>>;
    /** Custom domain, a bare host name. */
    readonly domain?: string;
    /** Deletion protection on, force-delete off. */
    readonly protect: boolean;
    /** Reachable from the internet. */
    readonly public: boolean;
}

/** Stack outputs every target provides; each is documented in the README. */
export interface TargetOutputs {
    /** Where the service answers (https only when a domain is set). */
    readonly url: pulumi.Output<string>;
    /** The digest-pinned image the service runs. */
    readonly imageRef: pulumi.Output<string>;
    readonly serviceName: pulumi.Output<string>;
    /** A link to the service in the cloud console. */
    readonly consoleUrl: pulumi.Output<string>;
    /** Database host (never a password); absent without a database. */
    readonly databaseEndpoint?: pulumi.Output<string>;
    /** Cache host (never a password); absent without a cache. */
    readonly cacheEndpoint?: pulumi.Output<string>;
    /** Anything else the target wants to report (cluster, log group, DNS records). */
    readonly extra: Readonly<Record<string, pulumi.Output<unknown>>>;
}

/** The settings every target passes to its service unchanged, under the same names. */
export function commonServiceArgs(s: Settings): Pick<ServiceArgs, "port" | "cpu" | "memory" | "minInstances" | "maxInstances" | "concurrency" | "protect" | "public"> {
    return {
        port: s.port,
        cpu: s.cpu,
        memory: s.memory,
        minInstances: s.minInstances,
        maxInstances: s.maxInstances,
        concurrency: s.concurrency,
        protect: s.protect,
        public: s.public,
    };
}

/** The stack's secret settings as Pulumi secrets, the only form a target may hand on. */
export function secretInputs(s: Settings): Record<string, pulumi.Input<string>> {
    return Object.fromEntries(Object.entries(s.secrets).map(([name, value]) => [name, pulumi.secret(value.reveal())]));
}
