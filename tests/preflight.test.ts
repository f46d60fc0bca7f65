// Preflight: every apply-time rule rejects an input the cloud would reject,
// and accepts what the program declares. No mocks: rules read plain resources.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { PreflightError, ResourceView, preflight } from "../analysis/preflight";
import { RULES } from "../analysis/rules";
import { AWS_RULES } from "../analysis/rules/aws";
import { GCP_RULES } from "../analysis/rules/gcp";
import { STACK_RULES } from "../analysis/rules/stack";
import { renderStack } from "../scripts/render";
import { fixture, render } from "./harness";

const res = (type: string, name: string, inputs: Record<string, unknown>, dependsOn?: string[]): ResourceView => ({ type, name, inputs, ...(dependsOn ? { dependsOn } : {}) });
const long = (n: number, c = "a"): string => c.repeat(n);

/** One input each rule must reject, by rule id. */
const VIOLATIONS: Record<string, ResourceView[]> = {
    "aws-sg-description": [res("aws:ec2/securityGroup:SecurityGroup", "db-sg", { description: "PostgreSQL: from the app's tasks only" })],
    "aws-sg-name": [res("aws:ec2/securityGroup:SecurityGroup", "x", { name: "sg-web" })],
    "aws-sg-rule-description": [res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "x", { description: "Tasks & jobs" })],
    "aws-lb-name": [res("aws:lb/loadBalancer:LoadBalancer", "a-load-balancer-with-a-long-name", {})],
    "aws-tg-name": [res("aws:lb/targetGroup:TargetGroup", "x", { name: "-tg" })],
    "aws-tg-deregistration-delay": [res("aws:lb/targetGroup:TargetGroup", "x", { deregistrationDelay: 4000 })],
    "aws-alb-two-zones": [res("aws:lb/loadBalancer:LoadBalancer", "lb", { subnets: ["subnet-1"] })],
    "aws-iam-role-name": [res("aws:iam/role:Role", "x", { name: "role with spaces" })],
    "aws-iam-role-description": [res("aws:iam/role:Role", "x", { description: "ECS agent \u2014 pulls images" })],
    "aws-iam-role-session": [res("aws:iam/role:Role", "x", { maxSessionDuration: 60 })],
    "aws-iam-policy-name": [res("aws:iam/rolePolicy:RolePolicy", "x", { name: long(129) })],
    "aws-iam-inline-policy-size": [res("aws:iam/rolePolicy:RolePolicy", "x", { policy: JSON.stringify({ Statement: [{ Resource: long(10300) }] }) })],
    "aws-ecs-cluster-name": [res("aws:ecs/cluster:Cluster", "x", { name: "my.cluster" })],
    "aws-ecs-service-name": [res("aws:ecs/service:Service", "x", { name: long(256) })],
    "aws-ecs-task-family": [res("aws:ecs/taskDefinition:TaskDefinition", "x", { family: "shop.api-prod" })],
    "aws-log-group-name": [res("aws:cloudwatch/logGroup:LogGroup", "x", { name: "logs:app" })],
    "aws-log-retention": [res("aws:cloudwatch/logGroup:LogGroup", "x", { retentionInDays: 10 })],
    "aws-alarm-name": [res("aws:cloudwatch/metricAlarm:MetricAlarm", "x", { name: long(256) })],
    "aws-alarm-description": [res("aws:cloudwatch/metricAlarm:MetricAlarm", "x", { alarmDescription: long(1025) })],
    "aws-sns-topic-name": [res("aws:sns/topic:Topic", "x", { name: "alarms.fifo.x" })],
    "aws-secret-name": [res("aws:secretsmanager/secret:Secret", "x", { name: "db password" })],
    "aws-secret-description": [res("aws:secretsmanager/secret:Secret", "x", { description: long(2049) })],
    "aws-secret-recovery-window": [res("aws:secretsmanager/secret:Secret", "x", { recoveryWindowInDays: 3 })],
    "aws-rds-identifier": [res("aws:rds/instance:Instance", "x", { identifier: "app--db" }), res("aws:rds/instance:Instance", "1db", {})],
    "aws-rds-final-snapshot": [res("aws:rds/instance:Instance", "x", { identifier: "db", finalSnapshotIdentifier: "app-db-final-" })],
    "aws-rds-storage": [res("aws:rds/instance:Instance", "x", { identifier: "db", allocatedStorage: 10 })],
    "aws-rds-backup-retention": [res("aws:rds/instance:Instance", "x", { identifier: "db", backupRetentionPeriod: 40 })],
    "aws-rds-subnet-group-name": [res("aws:rds/subnetGroup:SubnetGroup", "x", { name: "default" })],
    "aws-elasticache-group-id": [res("aws:elasticache/replicationGroup:ReplicationGroup", "a-cache-replication-group-named-at-length", { description: "d" })],
    "aws-elasticache-group-description": [res("aws:elasticache/replicationGroup:ReplicationGroup", "x", { replicationGroupId: "cache" })],
    "aws-elasticache-subnet-group-name": [res("aws:elasticache/subnetGroup:SubnetGroup", "x", { name: "Cache_Subnets" })],
    "aws-ecr-repository-name": [res("aws:ecr/repository:Repository", "x", { name: "Shop/API" })],
    "aws-autoscaling-policy-name": [res("aws:appautoscaling/policy:Policy", "x", { name: "scale\ton cpu" }), res("aws:appautoscaling/policy:Policy", long(250), {})],
    "aws-s3-object-key": [res("aws:s3/bucketObjectv2:BucketObjectv2", "x", { key: `bundles/${long(1020)}.zip` })],
    "aws-autoscaling-capacity": [res("aws:appautoscaling/target:Target", "x", { minCapacity: 5, maxCapacity: 2 })],

    "gcp-service-account-id": [res("gcp:serviceaccount/account:Account", "x", { accountId: "flask-multicloud-production-eu-run" }), res("gcp:serviceaccount/account:Account", "y", { accountId: "run" })],
    "gcp-service-account-display-name": [res("gcp:serviceaccount/account:Account", "x", { accountId: "shop-run", displayName: long(101) })],
    "gcp-service-account-description": [res("gcp:serviceaccount/account:Account", "x", { accountId: "shop-run", description: long(257) })],
    "gcp-artifact-repository-id": [res("gcp:artifactregistry/repository:Repository", "x", { repositoryId: "Shop_API" })],
    "gcp-cloud-run-service-name": [res("gcp:cloudrunv2/service:Service", "x", { name: long(50) })],
    "gcp-cloud-run-scaling": [res("gcp:cloudrunv2/service:Service", "x", { name: "s", template: { scaling: { minInstanceCount: 4, maxInstanceCount: 2 }, maxInstanceRequestConcurrency: 2000, timeout: "7200s" } })],
    "gcp-secret-id": [res("gcp:secretmanager/secret:Secret", "x", { secretId: "db.password" })],
    "gcp-wif-pool-id": [res("gcp:iam/workloadIdentityPool:WorkloadIdentityPool", "x", { workloadIdentityPoolId: "gcp-pulumi" })],
    "gcp-wif-pool-display-name": [res("gcp:iam/workloadIdentityPool:WorkloadIdentityPool", "x", { workloadIdentityPoolId: "pool", displayName: long(33) })],
    "gcp-wif-pool-description": [res("gcp:iam/workloadIdentityPool:WorkloadIdentityPool", "x", { workloadIdentityPoolId: "pool", description: long(257) })],
    "gcp-wif-provider-id": [res("gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider", "x", { workloadIdentityPoolProviderId: "pc" })],
    "gcp-wif-provider-display-name": [res("gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider", "x", { workloadIdentityPoolProviderId: "pulumi", displayName: long(33) })],
    "gcp-sql-instance-name": [res("gcp:sql/databaseInstance:DatabaseInstance", "x", { name: "App_DB" })],
    "gcp-sql-instance-connection-name": [res("gcp:sql/databaseInstance:DatabaseInstance", "x", { project: long(30, "p"), name: `db-${long(70)}` })],
    "gcp-redis-instance-name": [res("gcp:redis/instance:Instance", "a-memorystore-instance-name-too-long", {})],
    "gcp-redis-memory": [res("gcp:redis/instance:Instance", "x", { name: "cache", memorySizeGb: 301 })],
    "gcp-compute-name": [res("gcp:compute/network:Network", "x", { name: "My_Network" })],
    "gcp-labels": [res("gcp:secretmanager/secret:Secret", "x", { secretId: "s", labels: { Env: "API_KEY" } })],

    "pulumi-unique-name": [res("aws:sns/topic:Topic", "alarms", {}), res("aws:sns/topic:Topic", "alarms", {})],
    "cloud-unique-id": [res("gcp:secretmanager/secret:Secret", "a", { secretId: "shop-prod-api-key" }), res("gcp:secretmanager/secret:Secret", "b", { secretId: "shop-prod-api-key" })],
    "gcp-private-services-access-order": [
        res("gcp:servicenetworking/connection:Connection", "peering", {}),
        res("gcp:sql/databaseInstance:DatabaseInstance", "db", { settings: { ipConfiguration: { privateNetwork: "<computed:vpc.id>" } } }, []),
    ],
    "gcp-direct-vpc-subnet-size": [
        res("gcp:compute/subnetwork:Subnetwork", "run-subnet", { ipCidrRange: "10.8.0.0/24" }),
        res("gcp:cloudrunv2/service:Service", "svc", { name: "svc", template: { scaling: { maxInstanceCount: 200 }, vpcAccess: { networkInterfaces: [{ subnetwork: "<computed:run-subnet.id>" }] } } }),
    ],
};

/** Inputs the same rules accept: what the program really declares. */
const ACCEPTED: ResourceView[] = [
    res("aws:ec2/securityGroup:SecurityGroup", "app-db-sg", { description: "PostgreSQL: from the app tasks only" }),
    res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "x", { description: "From the load balancer" }),
    res("aws:lb/loadBalancer:LoadBalancer", "app-lb-alb", { subnets: ["<computed:a>", "<computed:b>"] }),
    res("aws:rds/instance:Instance", "app-db-postgres", { finalSnapshotIdentifier: "shop-api-prod-app-db-final", allocatedStorage: 20 }),
    res("gcp:serviceaccount/account:Account", "x", { accountId: "flask-multicloud-dev-run" }),
    res("gcp:servicenetworking/connection:Connection", "peering", {}),
    res("gcp:sql/databaseInstance:DatabaseInstance", "db", { settings: { ipConfiguration: { privateNetwork: "<computed:vpc.id>" } } }, ["gcp:servicenetworking/connection:Connection::peering"]),
    res("gcp:compute/subnetwork:Subnetwork", "run-subnet", { ipCidrRange: "10.8.0.0/24" }),
    res("gcp:cloudrunv2/service:Service", "svc", { name: "svc", template: { scaling: { maxInstanceCount: 100 }, vpcAccess: { networkInterfaces: [{ subnetwork: "<computed:run-subnet.id>" }] } } }),
    res("gcp:secretmanager/secret:Secret", "x", { secretId: "<computed:x.id>", labels: { env: "api_key" } }),
];

describe("preflight", () => {
    // The core rule tables; rule files of other areas (monitoring, beanstalk, ...) are tested beside their components.
    const ids = [...AWS_RULES, ...GCP_RULES, ...STACK_RULES].map((r) => r.id);

    it("has a violating input for every core rule, and every rule cites its source", () => {
        assert.deepStrictEqual(ids.filter((id) => !(id in VIOLATIONS)), [], "rules without a case below");
        for (const rule of [...RULES.resource, ...RULES.stack]) {
            assert.match(rule.source, /https:\/\//, `${rule.id} cites the API reference`);
        }
    });

    it("has a test naming every rule of every area (rule files beside their components are tested there)", () => {
        const testText = fs
            .readdirSync(__dirname)
            .filter((f) => f.endsWith(".ts"))
            .map((f) => fs.readFileSync(path.join(__dirname, f), "utf8"))
            .join("\n");
        const all = [...RULES.resource, ...RULES.stack].map((r) => r.id);
        assert.deepStrictEqual(all.filter((id) => !testText.includes(`"${id}"`) && !testText.includes(`"${id}:`)), [], "rules no test names");
    });

    for (const [id, resources] of Object.entries(VIOLATIONS)) {
        it(`${id}: rejects what the cloud would`, () => {
            const found = preflight(resources, RULES).filter((v) => v.rule === id);
            assert.ok(found.length > 0, `expected ${id} to fire on ${JSON.stringify(resources)}`);
            for (const v of found) {
                assert.ok(v.resource.includes("::") && v.property !== "" && v.message.length > 10, `a clear message: ${JSON.stringify(v)}`);
            }
        });
    }

    it("accepts what the program declares", () => {
        assert.deepStrictEqual(preflight(ACCEPTED, RULES), []);
    });

    it("checks Pulumi's autonames against the limit, and says how to fix them", () => {
        const [v] = preflight([res("aws:lb/loadBalancer:LoadBalancer", "a-load-balancer-with-a-long-name", {})], RULES);
        assert.match(v.message, /must be 1 to 32 characters, is 40 \(Pulumi's autoname: the logical name "a-load-balancer-with-a-long-name" plus 8 characters/);
    });

    it("names the resource, property, value, rule and source in the message", () => {
        const err = new PreflightError(preflight(VIOLATIONS["aws-sg-description"], RULES));
        assert.match(
            err.message,
            /aws:ec2\/securityGroup:SecurityGroup::db-sg: description = "PostgreSQL: from the app's tasks only": contains "'"; allowed: .* \[aws-sg-description; https:\/\/docs\.aws\.amazon\.com\/AWSEC2\/latest\/APIReference\/API_CreateSecurityGroup\.html\]/,
        );
    });

    it("fails a render that breaks a rule, after the program ran and before anything is returned", async () => {
        const rules = { resource: [{ id: "test-no-services", types: ["aws:ecs/service:Service"], source: "https://example.com", check: () => [{ property: "name", value: "x", message: "never allowed in this test" }] }], stack: [] };
        await assert.rejects(() => renderStack({ ...fixture("prod"), rules }), (e: Error) => e instanceof PreflightError && /aws:ecs\/service:Service::app-service-service: name = "x": never allowed in this test/.test(e.message));
    });

    for (const [stack, overrides] of [
        ["prod", ["domain=app.example.com", "deployments.repository=acme/shop", "alarmEmail=ops@example.com", "secrets.API_KEY=x"]],
        ["dev", ["domain=app.example.com", "deployments.repository=acme/shop", "cache=redis", "maxInstances=1000", "secrets.API_KEY=x"]],
    ] as Array<[string, string[]]>) {
        it(`passes for the ${stack} fixture with every optional piece on`, async () => {
            const r = await render(stack, ...overrides);
            assert.deepStrictEqual(preflight(r.resources, RULES), []);
        });
    }
});
