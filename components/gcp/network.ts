// The private network the data tier lives on: a VPC with one regional subnet
// that Cloud Run instances join through Direct VPC egress (no connector VMs to
// pay for), and a private services access range peered to Google's producer
// network, where Cloud SQL and Memorystore get private addresses only.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

export interface PrivateNetworkArgs {
    readonly project: string;
    readonly region: string;
    /** The enabled project APIs; every resource here waits for them. */
    readonly apis: pulumi.Resource;
    /**
     * Subnet Cloud Run instances take addresses from.
     * @default `directVpcSubnetCidr(maxInstances)`: 10.8.0.0/24, larger when maxInstances needs it
     */
    readonly subnetCidr?: string;
    /** The most instances the service scales to; sizes the default subnet. @default 100 */
    readonly maxInstances?: number;
    /** Prefix length of the range reserved for Cloud SQL and Memorystore. @default 20 */
    readonly servicesPrefixLength?: number;
}

/**
 * The Direct VPC egress subnet for a service of up to `maxInstances`: Cloud
 * Run needs a /26 or larger and about two addresses per instance while
 * revisions overlap, and Google keeps four of every subnet. A /24 (252
 * usable) serves up to 126 instances and is what stacks have always had;
 * larger services get the smallest prefix that fits.
 */
export function directVpcSubnetCidr(maxInstances: number): string {
    let prefix = 24;
    while (prefix > 16 && 2 ** (32 - prefix) - 4 < 2 * maxInstances) {
        prefix--;
    }
    return `10.8.0.0/${prefix}`;
}

export class PrivateNetwork extends pulumi.ComponentResource {
    readonly network: gcp.compute.Network;
    readonly subnet: gcp.compute.Subnetwork;
    /** Private services access; Cloud SQL and Memorystore must wait for it. */
    readonly peering: gcp.servicenetworking.Connection;

    constructor(name: string, args: PrivateNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:gcp:PrivateNetwork", name, {}, opts);
        const child = { parent: this, dependsOn: [args.apis] };

        this.network = new gcp.compute.Network(
            `${name}-vpc`,
            { project: args.project, autoCreateSubnetworks: false, routingMode: "REGIONAL", description: "Private network of the Flask service's data tier" },
            child,
        );
        this.subnet = new gcp.compute.Subnetwork(
            `${name}-run`,
            {
                project: args.project,
                region: args.region,
                network: this.network.id,
                ipCidrRange: args.subnetCidr ?? directVpcSubnetCidr(args.maxInstances ?? 100),
                // Instances reach Google APIs without public addresses.
                privateIpGoogleAccess: true,
                description: "Cloud Run Direct VPC egress",
            },
            child,
        );
        const range = new gcp.compute.GlobalAddress(
            `${name}-services`,
            {
                project: args.project,
                network: this.network.id,
                purpose: "VPC_PEERING",
                addressType: "INTERNAL",
                prefixLength: args.servicesPrefixLength ?? 20,
                description: "Private services access: Cloud SQL and Memorystore addresses",
            },
            child,
        );
        this.peering = new gcp.servicenetworking.Connection(
            `${name}-peering`,
            {
                network: this.network.id,
                service: "servicenetworking.googleapis.com",
                reservedPeeringRanges: [range.name],
                // Google keeps a deleted Cloud SQL instance's producer resources for
                // a while, so removing the peering on destroy fails; the peering
                // goes away with the VPC instead.
                deletionPolicy: "ABANDON",
            },
            child,
        );
        this.registerOutputs({ network: this.network.id, subnet: this.subnet.id, peering: this.peering.id });
    }
}
