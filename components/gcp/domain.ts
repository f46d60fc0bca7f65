// A custom domain for the service through a Cloud Run domain mapping, with
// the DNS records the user must create. Chosen over a global external load
// balancer because it costs nothing; the trade-off (preview, limited regions,
// domain verification) is explained in the README.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

export interface ServiceDomainArgs {
    readonly project: string;
    readonly region: string;
    /** The enabled project APIs; every resource here waits for them. */
    readonly apis: pulumi.Resource;
    /** Bare host name, e.g. `app.example.com`; verified in Search Console by whoever runs Pulumi. */
    readonly domain: string;
    /** Cloud Run service name to route to. */
    readonly serviceName: pulumi.Input<string>;
}

/** One record to create at the domain's DNS provider. */
export interface DnsRecord {
    readonly name: string;
    readonly type: string;
    readonly rrdata: string;
}

export class ServiceDomain extends pulumi.ComponentResource {
    readonly mapping: gcp.cloudrun.DomainMapping;
    /** Exactly the records Cloud Run asks for (a CNAME for a subdomain, A/AAAA for an apex). */
    readonly dnsRecords: pulumi.Output<DnsRecord[]>;

    constructor(name: string, args: ServiceDomainArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:gcp:ServiceDomain", name, {}, opts);
        this.mapping = new gcp.cloudrun.DomainMapping(
            `${name}-mapping`,
            {
                project: args.project,
                location: args.region,
                name: args.domain,
                metadata: { namespace: args.project },
                // Google issues and renews the certificate once the records resolve.
                spec: { routeName: args.serviceName, certificateMode: "AUTOMATIC" },
            },
            { parent: this, dependsOn: [args.apis] },
        );
        this.dnsRecords = this.mapping.statuses.apply((statuses) =>
            (statuses ?? []).flatMap((s) => s.resourceRecords ?? []).map((r) => ({ name: r.name ?? "", type: r.type ?? "", rrdata: r.rrdata ?? "" })),
        );
        this.registerOutputs({ dnsRecords: this.dnsRecords });
    }
}
