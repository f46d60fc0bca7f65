// Cloud SQL for PostgreSQL on a private address only, TLS required, with
// backups and point-in-time recovery; the app's user gets a password the
// stack generates, which only ever travels as a Pulumi secret.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

export interface CloudSqlDatabaseArgs {
    readonly project: string;
    readonly region: string;
    /** The enabled project APIs; every resource here waits for them. */
    readonly apis: pulumi.Resource;
    /** VPC the instance gets its private address on (`projects/.../networks/...`). */
    readonly network: pulumi.Input<string>;
    /** Private services access connection; the instance cannot be created before it. */
    readonly peering: pulumi.Resource;
    /** Cloud SQL tier, e.g. `db-custom-1-3840` or `db-f1-micro`. */
    readonly tier: string;
    /** Disk size in GB; it grows automatically from there. */
    readonly storageGb: number;
    /** A standby in a second zone with automatic failover (REGIONAL) instead of one zone. */
    readonly highAvailability: boolean;
    /** Deletion protection, in Pulumi and in the Cloud SQL API. */
    readonly protect: boolean;
    /** Daily backups kept. @default 7 */
    readonly retainedBackups?: number;
    /** Database and user name the app uses. @default "app" */
    readonly databaseName?: string;
}

export class CloudSqlDatabase extends pulumi.ComponentResource {
    readonly instance: gcp.sql.DatabaseInstance;
    /** Private IP address: the only address the instance has. */
    readonly host: pulumi.Output<string>;
    readonly port = 5432;
    readonly databaseName: string;
    readonly userName: string;
    /** The app's user; the service waits for it. */
    readonly user: gcp.sql.User;
    /** The app user's password, a Pulumi secret. */
    readonly password: pulumi.Output<string>;

    constructor(name: string, args: CloudSqlDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:gcp:CloudSqlDatabase", name, {}, opts);
        this.databaseName = args.databaseName ?? "app";
        this.userName = this.databaseName;
        const retainedBackups = args.retainedBackups ?? 7;

        this.instance = new gcp.sql.DatabaseInstance(
            `${name}-instance`,
            {
                project: args.project,
                region: args.region,
                databaseVersion: "POSTGRES_16",
                deletionProtection: args.protect,
                settings: {
                    // PostgreSQL 16 defaults to Enterprise Plus, which rejects the
                    // shared-core and custom tiers this stack's settings name.
                    edition: "ENTERPRISE",
                    tier: args.tier,
                    availabilityType: args.highAvailability ? "REGIONAL" : "ZONAL",
                    diskType: "PD_SSD",
                    diskSize: args.storageGb,
                    diskAutoresize: true,
                    deletionProtectionEnabled: args.protect,
                    ipConfiguration: {
                        ipv4Enabled: false,
                        privateNetwork: args.network,
                        sslMode: "ENCRYPTED_ONLY",
                    },
                    backupConfiguration: {
                        enabled: true,
                        pointInTimeRecoveryEnabled: true,
                        transactionLogRetentionDays: 7,
                        backupRetentionSettings: { retainedBackups, retentionUnit: "COUNT" },
                    },
                    insightsConfig: { queryInsightsEnabled: true },
                },
            },
            { parent: this, dependsOn: [args.apis, args.peering] },
        );

        const database = new gcp.sql.Database(
            `${name}-db`,
            { project: args.project, instance: this.instance.name, name: this.databaseName },
            { parent: this, dependsOn: [args.apis] },
        );
        const password = new random.RandomPassword(`${name}-password`, { length: 32, special: false }, { parent: this });
        this.password = pulumi.secret(password.result);
        this.user = new gcp.sql.User(
            `${name}-user`,
            {
                project: args.project,
                instance: this.instance.name,
                name: this.userName,
                password: this.password,
                // PostgreSQL refuses to drop a role that owns objects; the user goes with the instance.
                deletionPolicy: "ABANDON",
            },
            { parent: this, dependsOn: [args.apis, database] },
        );
        this.host = this.instance.privateIpAddress;
        this.registerOutputs({ instance: this.instance.name, host: this.host, databaseName: this.databaseName, userName: this.userName });
    }
}
