// Redis on ElastiCache: a replication group encrypted at rest and in transit,
// behind an AUTH token the stack generates and keeps in Secrets Manager,
// reachable from the tasks only.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

export interface CacheArgs {
    readonly vpcId: pulumi.Input<string>;
    readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** The only security group admitted, on the Redis port. */
    readonly clientSecurityGroupId: pulumi.Input<string>;
    /** ElastiCache node type, e.g. `cache.t4g.micro`. */
    readonly nodeType: string;
    /** A replica in another availability zone with automatic failover. */
    readonly highAvailability: boolean;
    /** Nodes, primary included (1-6); from 2 on, replicas in other zones take over automatically. @default 2 with highAvailability, else 1 */
    readonly nodes?: number;
    /** Keep daily snapshots and allow a deleted secret to be recovered. */
    readonly protect: boolean;
    /** Redis OSS, or Valkey (Redis-compatible: the same protocol, AUTH and TLS; nodes about 20% cheaper). @default "redis" */
    readonly engine?: "redis" | "valkey";
    /** Engine version. @default "7.1" for redis, "8.0" for valkey */
    readonly engineVersion?: string;
}

export const CACHE_DEFAULTS = { engineVersion: "7.1", valkeyEngineVersion: "8.0", port: 6379, snapshotRetentionDays: 7 } as const;

/** The special characters ElastiCache accepts in an AUTH token. */
export const AUTH_TOKEN_SPECIALS = "!&#$^<>-";

export class Cache extends pulumi.ComponentResource {
    /** Primary endpoint host (never the token). */
    readonly address: pulumi.Output<string>;
    readonly port: number;
    /** Secrets Manager secret holding the AUTH token. */
    readonly authSecretArn: pulumi.Output<string>;
    /** One cluster ID per node, for CloudWatch dimensions. */
    readonly memberClusters: pulumi.Output<string[]>;

    constructor(name: string, args: CacheArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:aws:Cache", name, {}, opts);
        const port = CACHE_DEFAULTS.port;
        const nodes = args.nodes ?? (args.highAvailability ? 2 : 1);
        if (!Number.isInteger(nodes) || nodes < 1 || nodes > 6) {
            throw new Error(`Cache nodes = ${nodes}: ElastiCache allows a primary and up to 5 replicas (1 to 6)`);
        }

        const sg = new aws.ec2.SecurityGroup(`${name}-sg`, { vpcId: args.vpcId, description: "Redis: from the app tasks only" }, { parent: this });
        new aws.vpc.SecurityGroupIngressRule(
            `${name}-in-tasks`,
            { securityGroupId: sg.id, ipProtocol: "tcp", fromPort: port, toPort: port, referencedSecurityGroupId: args.clientSecurityGroupId, description: "From the tasks" },
            { parent: this },
        );
        const subnets = new aws.elasticache.SubnetGroup(`${name}-subnets`, { subnetIds: args.subnetIds, description: "Private subnets" }, { parent: this });

        // ElastiCache takes 16-128 printable characters and only these specials.
        const token = new random.RandomPassword(
            `${name}-auth-token`,
            { length: 48, special: true, overrideSpecial: AUTH_TOKEN_SPECIALS, minUpper: 1, minLower: 1, minNumeric: 1 },
            { parent: this },
        );
        const tokenValue = pulumi.secret(token.result);
        const secret = new aws.secretsmanager.Secret(
            `${name}-auth-secret`,
            { description: `Redis AUTH token for ${pulumi.getProject()}/${pulumi.getStack()}`, recoveryWindowInDays: args.protect ? 30 : 0 },
            { parent: this },
        );
        new aws.secretsmanager.SecretVersion(`${name}-auth-secret-value`, { secretId: secret.id, secretString: tokenValue }, { parent: this });

        const group = new aws.elasticache.ReplicationGroup(
            `${name}-redis`,
            {
                description: `Redis for ${pulumi.getProject()}/${pulumi.getStack()}`,
                engine: args.engine ?? "redis",
                engineVersion: args.engineVersion ?? (args.engine === "valkey" ? CACHE_DEFAULTS.valkeyEngineVersion : CACHE_DEFAULTS.engineVersion),
                autoMinorVersionUpgrade: true,
                nodeType: args.nodeType,
                port,
                numCacheClusters: nodes,
                automaticFailoverEnabled: nodes > 1,
                multiAzEnabled: nodes > 1,
                transitEncryptionEnabled: true,
                atRestEncryptionEnabled: true,
                authToken: tokenValue,
                subnetGroupName: subnets.name,
                securityGroupIds: [sg.id],
                snapshotRetentionLimit: args.protect ? CACHE_DEFAULTS.snapshotRetentionDays : 0,
            },
            { parent: this },
        );

        this.address = group.primaryEndpointAddress;
        this.port = port;
        this.authSecretArn = secret.arn;
        this.memberClusters = group.memberClusters;
        this.registerOutputs({ address: this.address, port: this.port, authSecretArn: this.authSecretArn, memberClusters: this.memberClusters });
    }
}
