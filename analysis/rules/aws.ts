// AWS apply-time rules: what each API rejects that the provider lets through
// at preview. One entry per limit, with the API reference that states it.
import { ResourceRule } from "../preflight";
import { at, known, nameRule, numberRule, textRule } from "./checks";

const EC2 = "https://docs.aws.amazon.com/AWSEC2/latest/APIReference";
const ELB = "https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference";
const IAM = "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html";
const ECS = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference";
const RDS = "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html";
const ELASTICACHE = "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference";

const SG = "aws:ec2/securityGroup:SecurityGroup";
const SG_RULES = ["aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"];
const LB = "aws:lb/loadBalancer:LoadBalancer";
const TG = "aws:lb/targetGroup:TargetGroup";
const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";

/** ELB names: letters, digits and hyphens, not at either end. */
const ELB_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;
/** IAM names: alphanumerics and +=,.@_- */
const IAM_NAME = /^[\w+=,.@-]+$/;
/** ECS cluster, service and task family names. */
const ECS_NAME = /^[A-Za-z0-9_-]+$/;
/** RDS and ElastiCache identifiers: a letter first, lowercase letters, digits and hyphens, no hyphen at the end. */
const DB_IDENTIFIER = /^[a-z][a-z0-9-]*[a-z0-9]$/;

export const AWS_RULES: readonly ResourceRule[] = [
    // CreateSecurityGroup: "Up to 255 characters ... a-z, A-Z, 0-9, spaces, and ._-:/()#,@[]+=&;{}!$*". No apostrophe.
    textRule({ id: "aws-sg-description", types: [SG], source: `${EC2}/API_CreateSecurityGroup.html`, property: "description", max: 255, charset: /[a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]/, allowed: "a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*" }),
    nameRule({ id: "aws-sg-name", types: [SG], source: `${EC2}/API_CreateSecurityGroup.html`, property: "name", autonamed: true, max: 255, pattern: /^[a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]+$/, allowed: "a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*", reservedPrefixes: ["sg-"] }),
    // Rule descriptions (IpRange, UserIdGroupPair): the same set without "&".
    textRule({ id: "aws-sg-rule-description", types: SG_RULES, source: `${EC2}/API_IpRange.html`, property: "description", max: 255, charset: /[a-zA-Z0-9 ._\-:/()#,@[\]+=;{}!$*]/, allowed: "a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=;{}!$* (no &)" }),

    // CreateLoadBalancer / CreateTargetGroup: at most 32 characters, alphanumerics and hyphens, not starting with "internal-".
    nameRule({ id: "aws-lb-name", types: [LB], source: `${ELB}/API_CreateLoadBalancer.html`, property: "name", autonamed: true, max: 32, pattern: ELB_NAME, allowed: "letters, digits and hyphens, not starting or ending with a hyphen", reservedPrefixes: ["internal-"] }),
    nameRule({ id: "aws-tg-name", types: [TG], source: `${ELB}/API_CreateTargetGroup.html`, property: "name", autonamed: true, max: 32, pattern: ELB_NAME, allowed: "letters, digits and hyphens, not starting or ending with a hyphen" }),
    numberRule({ id: "aws-tg-deregistration-delay", types: [TG], source: `${ELB}/API_TargetGroupAttribute.html`, property: "deregistrationDelay", min: 0, max: 3600 }),
    {
        // "[Application Load Balancers] You must specify subnets from at least two Availability Zones."
        id: "aws-alb-two-zones",
        types: [LB],
        source: `${ELB}/API_CreateLoadBalancer.html`,
        check(r) {
            const subnets = r.inputs.subnets;
            if ((r.inputs.loadBalancerType ?? "application") !== "application" || !Array.isArray(subnets) || subnets.length >= 2) {
                return [];
            }
            return [{ property: "subnets", value: subnets, message: "an Application Load Balancer needs subnets in at least two Availability Zones" }];
        },
    },

    // CreateRole: RoleName 1-64 of [\w+=,.@-]; Description up to 1000 characters of tab, newline, printable ASCII and Latin-1.
    nameRule({ id: "aws-iam-role-name", types: [ROLE], source: IAM, property: "name", autonamed: true, max: 64, pattern: IAM_NAME, allowed: "letters, digits and +=,.@_-" }),
    textRule({ id: "aws-iam-role-description", types: [ROLE], source: IAM, property: "description", max: 1000, charset: /[\t\n\r\u0020-\u007E\u00A1-\u00FF]/, allowed: "printable ASCII and Latin-1 (no dashes like \u2014 or arrows)" }),
    numberRule({ id: "aws-iam-role-session", types: [ROLE], source: IAM, property: "maxSessionDuration", min: 3600, max: 43200 }),
    // PutRolePolicy: PolicyName 1-128 of [\w+=,.@-]; inline policies of a role share 10,240 characters, white space not counted
    // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html).
    nameRule({ id: "aws-iam-policy-name", types: [ROLE_POLICY], source: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html", property: "name", autonamed: true, max: 128, pattern: IAM_NAME, allowed: "letters, digits and +=,.@_-" }),
    {
        id: "aws-iam-inline-policy-size",
        types: [ROLE_POLICY],
        source: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html",
        check(r) {
            const policy = r.inputs.policy;
            if (!known(policy) || typeof policy !== "string") {
                return [];
            }
            const size = policy.replace(/\s/g, "").length;
            return size > 10240 ? [{ property: "policy", value: `${size} characters`, message: "inline role policies may total at most 10,240 characters (white space not counted)" }] : [];
        },
    },

    // ECS: names up to 255 letters, digits, hyphens and underscores.
    nameRule({ id: "aws-ecs-cluster-name", types: ["aws:ecs/cluster:Cluster"], source: `${ECS}/API_CreateCluster.html`, property: "name", autonamed: true, max: 255, pattern: ECS_NAME, allowed: "letters, digits, hyphens and underscores" }),
    nameRule({ id: "aws-ecs-service-name", types: ["aws:ecs/service:Service"], source: `${ECS}/API_CreateService.html`, property: "name", autonamed: true, max: 255, pattern: ECS_NAME, allowed: "letters, digits, hyphens and underscores" }),
    nameRule({ id: "aws-ecs-task-family", types: ["aws:ecs/taskDefinition:TaskDefinition"], source: `${ECS}/API_RegisterTaskDefinition.html`, property: "family", max: 255, pattern: ECS_NAME, allowed: "letters, digits, hyphens and underscores" }),

    // CloudWatch Logs: group names up to 512 of [.-_/#A-Za-z0-9]; retention one of the listed values.
    nameRule({ id: "aws-log-group-name", types: ["aws:cloudwatch/logGroup:LogGroup"], source: "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html", property: "name", autonamed: true, max: 512, pattern: /^[.\-_/#A-Za-z0-9]+$/, allowed: "letters, digits and ._-/#" }),
    numberRule({ id: "aws-log-retention", types: ["aws:cloudwatch/logGroup:LogGroup"], source: "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html", property: "retentionInDays", oneOf: [0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] }),
    nameRule({ id: "aws-alarm-name", types: ["aws:cloudwatch/metricAlarm:MetricAlarm"], source: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html", property: "name", autonamed: true, max: 255 }),
    textRule({ id: "aws-alarm-description", types: ["aws:cloudwatch/metricAlarm:MetricAlarm"], source: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html", property: "alarmDescription", max: 1024 }),

    // SNS topics: up to 256 letters, digits, hyphens and underscores.
    nameRule({ id: "aws-sns-topic-name", types: ["aws:sns/topic:Topic"], source: "https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html", property: "name", autonamed: true, max: 256, pattern: /^[A-Za-z0-9_-]+$/, allowed: "letters, digits, hyphens and underscores" }),

    // Secrets Manager: names up to 512 of [A-Za-z0-9/_+=.@-]; descriptions up to 2048; recovery window 7-30 days (0 = delete at once).
    nameRule({ id: "aws-secret-name", types: ["aws:secretsmanager/secret:Secret"], source: "https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html", property: "name", autonamed: true, max: 512, pattern: /^[A-Za-z0-9/_+=.@-]+$/, allowed: "letters, digits and /_+=.@-" }),
    textRule({ id: "aws-secret-description", types: ["aws:secretsmanager/secret:Secret"], source: "https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html", property: "description", max: 2048 }),
    {
        id: "aws-secret-recovery-window",
        types: ["aws:secretsmanager/secret:Secret"],
        source: "https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DeleteSecret.html",
        check(r) {
            const days = r.inputs.recoveryWindowInDays;
            return typeof days === "number" && days !== 0 && (days < 7 || days > 30) ? [{ property: "recoveryWindowInDays", value: days, message: "must be 0 (delete at once) or 7 to 30 days" }] : [];
        },
    },

    // RDS: DBInstanceIdentifier 1-63, a letter first, no "--", no trailing hyphen; FinalDBSnapshotIdentifier 1-255, same rules.
    nameRule({ id: "aws-rds-identifier", types: ["aws:rds/instance:Instance"], source: RDS, property: "identifier", autonamed: true, max: 63, pattern: DB_IDENTIFIER, allowed: "lowercase letters, digits and hyphens, a letter first, not ending with a hyphen", noDoubleHyphen: true }),
    nameRule({ id: "aws-rds-final-snapshot", types: ["aws:rds/instance:Instance"], source: "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBInstance.html", property: "finalSnapshotIdentifier", max: 255, pattern: /^[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]$/, allowed: "letters, digits and hyphens, a letter first, not ending with a hyphen", noDoubleHyphen: true }),
    numberRule({ id: "aws-rds-storage", types: ["aws:rds/instance:Instance"], source: RDS, property: "allocatedStorage", min: 20, max: 65536 }),
    numberRule({ id: "aws-rds-backup-retention", types: ["aws:rds/instance:Instance"], source: RDS, property: "backupRetentionPeriod", min: 0, max: 35 }),
    nameRule({ id: "aws-rds-subnet-group-name", types: ["aws:rds/subnetGroup:SubnetGroup"], source: "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBSubnetGroup.html", property: "name", autonamed: true, max: 255, pattern: /^[a-z0-9 ._-]+$/, allowed: "lowercase letters, digits, spaces and ._-", reserved: ["default"] }),

    // ElastiCache: ReplicationGroupId 1-40, a letter first, lowercase, no "--", no trailing hyphen; a non-empty description.
    nameRule({ id: "aws-elasticache-group-id", types: ["aws:elasticache/replicationGroup:ReplicationGroup"], source: `${ELASTICACHE}/API_CreateReplicationGroup.html`, property: "replicationGroupId", autonamed: true, max: 40, pattern: DB_IDENTIFIER, allowed: "lowercase letters, digits and hyphens, a letter first, not ending with a hyphen", noDoubleHyphen: true }),
    textRule({ id: "aws-elasticache-group-description", types: ["aws:elasticache/replicationGroup:ReplicationGroup"], source: `${ELASTICACHE}/API_CreateReplicationGroup.html`, property: "description", max: 1024, required: true }),
    nameRule({ id: "aws-elasticache-subnet-group-name", types: ["aws:elasticache/subnetGroup:SubnetGroup"], source: `${ELASTICACHE}/API_CreateCacheSubnetGroup.html`, property: "name", autonamed: true, max: 255, pattern: /^[a-z0-9-]+$/, allowed: "lowercase letters, digits and hyphens" }),

    // ECR: repository names 2-256, lowercase path segments of [a-z0-9] joined by . _ -.
    nameRule({ id: "aws-ecr-repository-name", types: ["aws:ecr/repository:Repository"], source: "https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_CreateRepository.html", property: "name", autonamed: true, min: 2, max: 256, pattern: /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/, allowed: "lowercase letters and digits, separated by single . _ - or /" }),

    // PutScalingPolicy: PolicyName 1-256 printable characters.
    nameRule({ id: "aws-autoscaling-policy-name", types: ["aws:appautoscaling/policy:Policy"], source: "https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PutScalingPolicy.html", property: "name", autonamed: true, max: 256, pattern: /^[\x20-\x7E]+$/, allowed: "printable ASCII characters" }),
    {
        // S3 object keys: at most 1024 bytes of UTF-8.
        id: "aws-s3-object-key",
        types: ["aws:s3/bucketObjectv2:BucketObjectv2"],
        source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html",
        check(r) {
            const key = r.inputs.key;
            return known(key) && typeof key === "string" && Buffer.byteLength(key) > 1024 ? [{ property: "key", value: key, message: `must be at most 1024 bytes of UTF-8, is ${Buffer.byteLength(key)}` }] : [];
        },
    },
    // Application Auto Scaling: MinCapacity must not exceed MaxCapacity.
    {
        id: "aws-autoscaling-capacity",
        types: ["aws:appautoscaling/target:Target"],
        source: "https://docs.aws.amazon.com/autoscaling/application/APIReference/API_RegisterScalableTarget.html",
        check(r) {
            const min = at(r.inputs, "minCapacity");
            const max = at(r.inputs, "maxCapacity");
            return typeof min === "number" && typeof max === "number" && min > max ? [{ property: "minCapacity", value: min, message: `must not exceed maxCapacity (${max})` }] : [];
        },
    },
];
