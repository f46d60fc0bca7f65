// PostgreSQL on RDS in the private subnets: encrypted, private, backed up, its
// master password created and kept by RDS in Secrets Manager (never in the
// program or the state), reachable from the tasks only.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { uniqueId } from "../naming";

export interface DatabaseArgs {
    readonly vpcId: pulumi.Input<string>;
    readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** The only security group admitted, on the database port. */
    readonly clientSecurityGroupId: pulumi.Input<string>;
    /** RDS instance class, e.g. `db.t4g.small`. */
    readonly instanceClass: string;
    /** Allocated gp3 storage, GB. */
    readonly storageGb: number;
    /** A standby in a second availability zone (Multi-AZ). */
    readonly highAvailability: boolean;
    /** Deletion protection and a final snapshot on delete. */
    readonly protect: boolean;
    /** Days automated backups are kept (RDS allows up to 35). @default 7 */
    readonly backupRetentionDays?: number;
    /** Major PostgreSQL version; minor versions upgrade automatically. @default "16" */
    readonly engineVersion?: string;
    /** Database and master user the app connects as. @default "app" */
    readonly databaseName?: string;
}

export const DATABASE_DEFAULTS = { backupRetentionDays: 7, engineVersion: "16", databaseName: "app", port: 5432 } as const;

export class Database extends pulumi.ComponentResource {
    /** Host name (never a password). */
    readonly address: pulumi.Output<string>;
    /** DB instance identifier, for CloudWatch dimensions. */
    readonly identifier: pulumi.Output<string>;
    readonly port: pulumi.Output<number>;
    readonly databaseName: string;
    readonly username: string;
    /** The RDS-managed secret holding `{"username", "password"}`. */
    readonly passwordSecretArn: pulumi.Output<string>;
    /** The ECS `valueFrom` that resolves to the password alone. */
    readonly passwordValueFrom: pulumi.Output<string>;

    constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:aws:Database", name, {}, opts);
        const backupRetentionDays = args.backupRetentionDays ?? DATABASE_DEFAULTS.backupRetentionDays;
        if (backupRetentionDays < 7 || backupRetentionDays > 35) {
            throw new Error(`backupRetentionDays = ${backupRetentionDays}: keep backups 7 to 35 days`);
        }
        const databaseName = args.databaseName ?? DATABASE_DEFAULTS.databaseName;
        const port = DATABASE_DEFAULTS.port;

        const sg = new aws.ec2.SecurityGroup(`${name}-sg`, { vpcId: args.vpcId, description: "PostgreSQL: from the app tasks only" }, { parent: this });
        new aws.vpc.SecurityGroupIngressRule(
            `${name}-in-tasks`,
            { securityGroupId: sg.id, ipProtocol: "tcp", fromPort: port, toPort: port, referencedSecurityGroupId: args.clientSecurityGroupId, description: "From the tasks" },
            { parent: this },
        );
        const subnets = new aws.rds.SubnetGroup(`${name}-subnets`, { subnetIds: args.subnetIds, description: "Private subnets" }, { parent: this });

        const instance = new aws.rds.Instance(
            `${name}-postgres`,
            {
                engine: "postgres",
                // PostgreSQL 15+ on RDS defaults to rds.force_ssl=1: connections are encrypted in transit too.
                engineVersion: args.engineVersion ?? DATABASE_DEFAULTS.engineVersion,
                autoMinorVersionUpgrade: true,
                instanceClass: args.instanceClass,
                allocatedStorage: args.storageGb,
                storageType: "gp3",
                storageEncrypted: true,
                dbName: databaseName,
                username: databaseName,
                manageMasterUserPassword: true,
                port,
                dbSubnetGroupName: subnets.name,
                vpcSecurityGroupIds: [sg.id],
                publiclyAccessible: false,
                multiAz: args.highAvailability,
                backupRetentionPeriod: backupRetentionDays,
                copyTagsToSnapshot: true,
                enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
                deletionProtection: args.protect,
                skipFinalSnapshot: !args.protect,
                ...(args.protect ? { finalSnapshotIdentifier: uniqueId([pulumi.getProject(), pulumi.getStack(), name, "final"], 255) } : {}),
            },
            { parent: this },
        );

        this.address = instance.address;
        this.identifier = instance.identifier;
        this.port = instance.port;
        this.databaseName = databaseName;
        this.username = databaseName;
        this.passwordSecretArn = instance.masterUserSecrets.apply((s) => s[0].secretArn);
        this.passwordValueFrom = pulumi.interpolate`${this.passwordSecretArn}:password::`;
        this.registerOutputs({ address: this.address, identifier: this.identifier, port: this.port, passwordSecretArn: this.passwordSecretArn });
    }
}
