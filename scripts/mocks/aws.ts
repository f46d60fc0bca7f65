// Values AWS computes, as the offline render shows them. Owned by the AWS target.
import { ComputedTable, computed, MOCK_ACCOUNT_ID } from "./common";

export const AWS_COMPUTED: ComputedTable = {
    "awsx:ec2:Vpc": {
        vpcId: true,
        publicSubnetIds: (n) => [computed(n, "publicSubnetIds[0]"), computed(n, "publicSubnetIds[1]")],
        privateSubnetIds: (n) => [computed(n, "privateSubnetIds[0]"), computed(n, "privateSubnetIds[1]")],
        // Isolated subnets exist only when the program asks for them (natGateways none).
        isolatedSubnetIds: (n, i) =>
            JSON.stringify(i.subnetSpecs ?? []).includes("Isolated") ? [computed(n, "isolatedSubnetIds[0]"), computed(n, "isolatedSubnetIds[1]")] : [],
    },
    "aws:ec2/vpc:Vpc": { cidrBlock: () => "10.0.0.0/16" },
    "aws:ec2/securityGroup:SecurityGroup": {},
    "aws:ecr/repository:Repository": { repositoryUrl: true, registryId: () => MOCK_ACCOUNT_ID },
    "aws:ecs/cluster:Cluster": {},
    "aws:ecs/taskDefinition:TaskDefinition": { revision: () => 1, arnWithoutRevision: true },
    "aws:sqs/queue:Queue": { url: true },
    // The release run's outputs exist only once the task has exited 0 (components/aws/releaseTask.ts).
    "pulumi-nodejs:dynamic/ecs:ReleaseRun": { taskArn: true, exitCode: () => 0 },
    "aws:lb/loadBalancer:LoadBalancer": { dnsName: true, zoneId: true, arnSuffix: true },
    "aws:lb/targetGroup:TargetGroup": { arnSuffix: true },
    "aws:acm/certificate:Certificate": {
        domainValidationOptions: (n, i) => [
            {
                domainName: i.domainName,
                resourceRecordName: computed(n, "validationRecordName"),
                resourceRecordType: "CNAME",
                resourceRecordValue: computed(n, "validationRecordValue"),
            },
        ],
    },
    "aws:rds/instance:Instance": {
        identifier: true,
        address: true,
        endpoint: true,
        port: (_n, i) => i.port ?? 5432,
        masterUserSecrets: (n) => [{ secretArn: computed(n, "masterUserSecrets[0].secretArn"), kmsKeyId: computed(n, "kmsKeyId"), secretStatus: "active" }],
    },
    "aws:elasticache/replicationGroup:ReplicationGroup": {
        primaryEndpointAddress: true,
        readerEndpointAddress: true,
        port: (_n, i) => i.port ?? 6379,
        memberClusters: (n, i) => Array.from({ length: Number(i.numCacheClusters ?? 1) }, (_, k) => computed(n, `memberClusters[${k}]`)),
    },
    "aws:sns/topic:Topic": {},
    "aws:secretsmanager/secret:Secret": {},
    "aws:secretsmanager/secretVersion:SecretVersion": { versionId: true },
    "aws:iam/role:Role": { uniqueId: true },
    "aws:route53/record:Record": { fqdn: (n, i) => i.name ?? computed(n, "fqdn") },
    "aws:s3/bucket:Bucket": { bucket: true },
    "aws:elasticbeanstalk/environment:Environment": {
        cname: true,
        endpointUrl: true,
        loadBalancers: (n) => [computed(n, "loadBalancers[0]")],
        autoscalingGroups: (n) => [computed(n, "autoscalingGroups[0]")],
    },
    // The AWS target's cache AUTH token; the program wraps it in pulumi.secret, so renders show [secret].
};
