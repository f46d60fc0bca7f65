// Memorystore for Redis on the stack's private network: AUTH on, TLS in
// transit, a replica in another zone when highly available. Its AUTH string
// is an output the service reads from Secret Manager, never from env.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

export interface MemorystoreCacheArgs {
    readonly project: string;
    readonly region: string;
    /** The enabled project APIs; every resource here waits for them. */
    readonly apis: pulumi.Resource;
    /** VPC the instance is reachable from. */
    readonly network: pulumi.Input<string>;
    /** Private services access connection; the instance takes its address from that range. */
    readonly peering: pulumi.Resource;
    /** Capacity in GB. */
    readonly memoryGb: number;
    /** STANDARD_HA (replica with automatic failover) instead of BASIC. */
    readonly highAvailability: boolean;
    /** Deletion protection. */
    readonly protect: boolean;
}

export class MemorystoreCache extends pulumi.ComponentResource {
    readonly instance: gcp.redis.Instance;
    readonly host: pulumi.Output<string>;
    /** 6378 with TLS on; read from the instance rather than assumed. */
    readonly port: pulumi.Output<number>;
    /** The AUTH string, a Pulumi secret. */
    readonly authString: pulumi.Output<string>;
    /**
     * PEM of the instance's private server CA; public by nature, so the app
     * gets it as plain env to verify the server.
     */
    readonly caCert: pulumi.Output<string>;

    constructor(name: string, args: MemorystoreCacheArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:gcp:MemorystoreCache", name, {}, opts);
        this.instance = new gcp.redis.Instance(
            `${name}-redis`,
            {
                project: args.project,
                region: args.region,
                tier: args.highAvailability ? "STANDARD_HA" : "BASIC",
                memorySizeGb: args.memoryGb,
                redisVersion: "REDIS_7_2",
                authorizedNetwork: args.network,
                connectMode: "PRIVATE_SERVICE_ACCESS",
                authEnabled: true,
                transitEncryptionMode: "SERVER_AUTHENTICATION",
                deletionProtection: args.protect,
                displayName: "Flask service cache",
            },
            { parent: this, dependsOn: [args.apis, args.peering] },
        );
        this.host = this.instance.host;
        this.port = this.instance.port;
        this.authString = pulumi.secret(this.instance.authString);
        this.caCert = this.instance.serverCaCerts.apply((certs) => certs[0]?.cert ?? "");
        this.registerOutputs({ host: this.host, port: this.port });
    }
}
