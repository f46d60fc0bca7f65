// One Elastic Beanstalk application version: a source bundle naming the
// digest-pinned image (Dockerrun.aws.json v1) plus the .ebextensions the
// environment needs, stored in the application's bucket. The label derives from
// the digest, so a new image is a new version and an unchanged one is none.
import * as crypto from "crypto";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface BeanstalkVersionArgs {
    /** The application the version belongs to. */
    readonly application: pulumi.Input<string>;
    /** The application's bundle bucket. */
    readonly bucket: pulumi.Input<string>;
    /** Digest-pinned image reference (`repo@sha256:...`). */
    readonly image: pulumi.Input<string>;
    /** Port the container listens on; Beanstalk's nginx forwards to it. */
    readonly port: number;
    /** Redirect HTTP to HTTPS on the load balancer (a certificate is configured). */
    readonly httpsRedirect: boolean;
}

/** Bundle files by path, as text. */
export type Bundle = Readonly<Record<string, string>>;

/** `Dockerrun.aws.json` version 1: one container, the image by digest, the port nginx forwards to. */
export function dockerrun(image: string, port: number): string {
    return JSON.stringify({ AWSEBDockerrunVersion: "1", Image: { Name: image, Update: "true" }, Ports: [{ ContainerPort: port }] }, null, 2);
}

/**
 * The source bundle. Both .ebextensions follow AWS's documented overrides of
 * the resources Beanstalk names: the Auto Scaling group replaces instances the
 * load balancer finds unhealthy (the app fails /healthz when its credentials
 * go stale, and a new instance fetches fresh secrets at boot), and the port 80
 * listener redirects to HTTPS (awsdocs/elastic-beanstalk-samples,
 * alb-http-to-https-redirection.config).
 */
export function bundleFiles(image: string, port: number, httpsRedirect: boolean): Bundle {
    const files: Record<string, string> = {
        "Dockerrun.aws.json": dockerrun(image, port),
        ".ebextensions/00-instance-health.config": JSON.stringify(
            { Resources: { AWSEBAutoScalingGroup: { Type: "AWS::AutoScaling::AutoScalingGroup", Properties: { HealthCheckType: "ELB", HealthCheckGracePeriod: 300 } } } },
            null,
            2,
        ),
    };
    if (httpsRedirect) {
        files[".ebextensions/10-https-redirect.config"] = JSON.stringify(
            {
                Resources: {
                    AWSEBV2LoadBalancerListener: {
                        Type: "AWS::ElasticLoadBalancingV2::Listener",
                        Properties: {
                            LoadBalancerArn: { Ref: "AWSEBV2LoadBalancer" },
                            Port: 80,
                            Protocol: "HTTP",
                            DefaultActions: [
                                {
                                    Type: "redirect",
                                    RedirectConfig: { Host: "#{host}", Path: "/#{path}", Query: "#{query}", Port: "443", Protocol: "HTTPS", StatusCode: "HTTP_301" },
                                },
                            ],
                        },
                    },
                },
            },
            null,
            2,
        );
    }
    return files;
}

const sha256 = (text: string): string => crypto.createHash("sha256").update(text).digest("hex");

/**
 * The version label: the image digest's first 16 hex digits, then 8 of a hash
 * of the whole bundle (so a changed .ebextensions is a new version too).
 * Deterministic, so an unchanged image and bundle give the same label and no
 * new version. 41 characters, within the API's 100.
 */
export function versionLabel(image: string, bundle: Bundle): string {
    const digest = /@sha256:([0-9a-f]{64})$/.exec(image)?.[1] ?? sha256(image);
    const files = Object.keys(bundle)
        .sort()
        .map((path) => [path, bundle[path]]);
    return `sha256-${digest.slice(0, 16)}-${sha256(JSON.stringify(files)).slice(0, 8)}`;
}

export class BeanstalkVersion extends pulumi.ComponentResource {
    /** The version label, for the environment to deploy. */
    readonly label: pulumi.Output<string>;

    constructor(name: string, args: BeanstalkVersionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:aws:BeanstalkVersion", name, {}, opts);
        const bundle = pulumi.output(args.image).apply((image) => bundleFiles(image, args.port, args.httpsRedirect));
        const label = pulumi.all([args.image, bundle]).apply(([image, files]) => versionLabel(image, files));

        // Kept on delete: when a new label replaces this version, Beanstalk keeps it for
        // rollback and the application's lifecycle deletes it (and its bundle) later.
        const object = new aws.s3.BucketObjectv2(
            `${name}-bundle`,
            {
                bucket: args.bucket,
                key: pulumi.interpolate`bundles/${label}.zip`,
                source: bundle.apply((files) => new pulumi.asset.AssetArchive(Object.fromEntries(Object.entries(files).map(([path, text]) => [path, new pulumi.asset.StringAsset(text)])))),
                contentType: "application/zip",
            },
            { parent: this, retainOnDelete: true },
        );
        const version = new aws.elasticbeanstalk.ApplicationVersion(
            `${name}-version`,
            {
                name: label,
                application: args.application,
                bucket: args.bucket,
                key: object.key,
                // The digest alone: the whole reference can pass the API's 200-character limit.
                description: pulumi.output(args.image).apply((image) => image.replace(/^[^@]*@/, "")),
            },
            { parent: this, retainOnDelete: true },
        );

        this.label = version.name;
        this.registerOutputs({ label: this.label });
    }
}
