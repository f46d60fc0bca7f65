// The front door: an Application Load Balancer, its target group, and either
// HTTPS on a custom domain (certificate, redirect, DNS) or plain HTTP on the
// balancer's own name.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AccessLogs } from "./accessLogs";

export interface LoadBalancerArgs {
    readonly vpcId: pulumi.Input<string>;
    /** Public subnets for an internet-facing balancer, private ones for an internal one. */
    readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    readonly securityGroupId: pulumi.Input<string>;
    /** Port the tasks listen on. */
    readonly port: number;
    /** Internet-facing; otherwise internal. */
    readonly public: boolean;
    /** Deletion protection on the balancer. */
    readonly protect: boolean;
    /** Custom domain, e.g. `app.example.com`; its zone must be a Route 53 public hosted zone. @default none (plain HTTP) */
    readonly domain?: string;
    /** The Route 53 public hosted zone the domain's records go in. @default the domain's parent (`hostedZoneName`) */
    readonly hostedZone?: string;
    /** Seconds a stopping task keeps receiving in-flight requests (the `deregistrationDelay` setting). */
    readonly deregistrationDelay: number;
    /** Idle seconds before the balancer closes a connection; below the app's 75 s keep-alive, so the app never closes first. @default 60 */
    readonly idleTimeout?: number;
    /** TLS policy of the HTTPS listener. @default "ELBSecurityPolicy-TLS13-1-2-2021-06" */
    readonly sslPolicy?: string;
    /** Days access logs are kept in the stack's own S3 bucket (the `logRetentionDays` setting). @default none (no access logs) */
    readonly accessLogRetentionDays?: number;
}

export const LOAD_BALANCER_DEFAULTS = {
    idleTimeout: 60,
    sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
} as const;

/** The hosted zone a domain's records go in: its parent (`example.com` for `app.example.com`); an apex domain is its own zone. */
export function hostedZoneName(domain: string): string {
    const labels = domain.replace(/\.$/, "").split(".");
    return labels.length > 2 ? labels.slice(1).join(".") : labels.join(".");
}

/**
 * An ACM certificate for `domain`, validated through a DNS record in the
 * Route 53 zone `zoneId`. The ARN it returns is the validated one, so whatever
 * uses it waits until the certificate is issued.
 */
export function validatedCertificate(name: string, domain: string, zoneId: pulumi.Input<string>, parent: pulumi.Resource): pulumi.Output<string> {
    const cert = new aws.acm.Certificate(`${name}-cert`, { domainName: domain, validationMethod: "DNS" }, { parent });
    const option = cert.domainValidationOptions.apply((o) => o[0]);
    const validationRecord = new aws.route53.Record(
        `${name}-cert-validation`,
        {
            zoneId,
            name: option.resourceRecordName,
            type: option.resourceRecordType,
            records: [option.resourceRecordValue],
            ttl: 60,
            allowOverwrite: true,
        },
        { parent },
    );
    return new aws.acm.CertificateValidation(`${name}-cert-validated`, { certificateArn: cert.arn, validationRecordFqdns: [validationRecord.fqdn] }, { parent }).certificateArn;
}

export class LoadBalancer extends pulumi.ComponentResource {
    /** `https://<domain>` with a domain, else `http://<balancer DNS name>`. */
    readonly url: pulumi.Output<string>;
    readonly dnsName: pulumi.Output<string>;
    /** For CloudWatch dimensions and the request-count scaling label. */
    readonly arnSuffix: pulumi.Output<string>;
    readonly targetGroupArn: pulumi.Output<string>;
    readonly targetGroupArnSuffix: pulumi.Output<string>;
    /** The listener that forwards to the target group; the service must wait for it. */
    readonly forwardingListener: aws.lb.Listener;
    /** True when the balancer serves HTTPS on a custom domain. */
    readonly https: boolean;

    constructor(name: string, args: LoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:aws:LoadBalancer", name, {}, opts);
        const deregistrationDelay = args.deregistrationDelay;
        const idleTimeout = args.idleTimeout ?? LOAD_BALANCER_DEFAULTS.idleTimeout;
        const sslPolicy = args.sslPolicy ?? LOAD_BALANCER_DEFAULTS.sslPolicy;

        const accessLogs =
            args.accessLogRetentionDays !== undefined ? new AccessLogs(`${name}-logs`, { retentionDays: args.accessLogRetentionDays, protect: args.protect }, { parent: this }) : undefined;
        const lb = new aws.lb.LoadBalancer(
            `${name}-alb`,
            {
                loadBalancerType: "application",
                internal: !args.public,
                subnets: args.subnetIds,
                securityGroups: [args.securityGroupId],
                dropInvalidHeaderFields: true,
                idleTimeout,
                enableDeletionProtection: args.protect,
                ...(accessLogs ? { accessLogs: { bucket: accessLogs.bucketName, enabled: true } } : {}),
            },
            // Enabling access logs fails unless the bucket already grants ELB the write.
            { parent: this, dependsOn: accessLogs ? [accessLogs.policy] : [] },
        );

        const targetGroup = new aws.lb.TargetGroup(
            `${name}-tg`,
            {
                vpcId: args.vpcId,
                targetType: "ip", // Fargate tasks register by ENI address
                protocol: "HTTP",
                port: args.port,
                deregistrationDelay,
                healthCheck: {
                    path: "/healthz",
                    matcher: "200",
                    interval: 15,
                    timeout: 5,
                    healthyThreshold: 2,
                    unhealthyThreshold: 3,
                },
            },
            { parent: this },
        );
        const forward = [{ type: "forward", targetGroupArn: targetGroup.arn }];

        if (args.domain) {
            const domain = args.domain;
            const zone = aws.route53.getZoneOutput({ name: args.hostedZone ?? hostedZoneName(domain), privateZone: false }, { parent: this });
            const certificateArn = validatedCertificate(name, domain, zone.zoneId, this);
            this.forwardingListener = new aws.lb.Listener(
                `${name}-https`,
                {
                    loadBalancerArn: lb.arn,
                    port: 443,
                    protocol: "HTTPS",
                    sslPolicy,
                    certificateArn,
                    defaultActions: forward,
                },
                { parent: this },
            );
            new aws.lb.Listener(
                `${name}-http-redirect`,
                {
                    loadBalancerArn: lb.arn,
                    port: 80,
                    protocol: "HTTP",
                    defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
                },
                { parent: this },
            );
            new aws.route53.Record(
                `${name}-alias`,
                { zoneId: zone.zoneId, name: domain, type: "A", aliases: [{ name: lb.dnsName, zoneId: lb.zoneId, evaluateTargetHealth: true }] },
                { parent: this },
            );
            this.url = pulumi.output(`https://${domain}`);
        } else {
            this.forwardingListener = new aws.lb.Listener(
                `${name}-http`,
                { loadBalancerArn: lb.arn, port: 80, protocol: "HTTP", defaultActions: forward },
                { parent: this },
            );
            this.url = pulumi.interpolate`http://${lb.dnsName}`;
        }

        this.https = args.domain !== undefined;
        this.dnsName = lb.dnsName;
        this.arnSuffix = lb.arnSuffix;
        this.targetGroupArn = targetGroup.arn;
        this.targetGroupArnSuffix = targetGroup.arnSuffix;
        this.registerOutputs({
            url: this.url,
            dnsName: this.dnsName,
            arnSuffix: this.arnSuffix,
            targetGroupArn: this.targetGroupArn,
            targetGroupArnSuffix: this.targetGroupArnSuffix,
        });
    }
}

