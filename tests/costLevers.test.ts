// The cost levers: what each setting declares, what it does to the estimate,
// and the apply-time rules for the resources they add.
import * as assert from "assert";
import { estimateCost } from "../analysis/cost";
import { ResourceView, preflight } from "../analysis/preflight";
import { COST_LEVER_RULES, COST_LEVER_STACK_RULES } from "../analysis/rules/costLevers";
import { capacityStrategy } from "../components/aws/fargateService";
import { Rendered, render } from "./harness";

const cost = (r: Rendered) => estimateCost(r.render);
const what = (r: Rendered, re: RegExp): number => cost(r).items.filter((i) => re.test(i.what)).reduce((s, i) => s + i.monthlyUsd, 0);

const NO_NAT = ["natGateways=none"];
const TWO_ZONES = ["availabilityZones=2"];
const ARM = ["architecture=arm64"];
const SPOT = ["protect=false", "spotShare=50"];
const ONE_CACHE_NODE = ["cacheNodes=1"];
const VALKEY = ["cacheEngine=valkey"];
/** The reference design's availability (2 zones, Multi-AZ database, 2 tasks behind an ALB, one cache node) at the least cost. */
const GOAL = ["size=small", "dbInstance=db.t4g.micro", "availabilityZones=2", "cacheNodes=1", "natGateways=none", "architecture=arm64", "cacheEngine=valkey"];
/** The reference design itself: 2 zones, 2 NAT gateways, x86, Redis OSS. */
const REFERENCE = ["size=small", "dbInstance=db.t4g.micro", "availabilityZones=2", "cacheNodes=1"];

describe("cost levers", () => {
    describe("natGateways: none", () => {
        it("keeps tasks off public IPs by default", async () => {
            const prod = await render("prod");
            assert.strictEqual((prod.one("aws:ecs/service:Service").inputs.networkConfiguration as { assignPublicIp: boolean }).assignPublicIp, false);
        });

        it("declares no NAT gateway and gives tasks public IPs in public subnets, the data tier isolated subnets", async () => {
            const r = await render("prod", ...NO_NAT);
            const vpc = r.one("awsx:ec2:Vpc");
            assert.deepStrictEqual(vpc.inputs.natGateways, { strategy: "None" });
            assert.deepStrictEqual(vpc.inputs.subnetSpecs, [{ type: "Public" }, { type: "Isolated" }]);
            const net = r.one("aws:ecs/service:Service").inputs.networkConfiguration as { assignPublicIp: boolean; subnets: string[] };
            assert.strictEqual(net.assignPublicIp, true);
            assert.ok(net.subnets.every((s) => s.includes("publicSubnetIds")), JSON.stringify(net.subnets));
            for (const group of ["aws:rds/subnetGroup:SubnetGroup", "aws:elasticache/subnetGroup:SubnetGroup"]) {
                const ids = r.one(group).inputs.subnetIds as string[];
                assert.ok(ids.length === 2 && ids.every((s) => s.includes("isolatedSubnetIds")), `${group}: ${JSON.stringify(ids)}`);
            }
        });

        it("still admits only the load balancer to the tasks", async () => {
            const r = await render("prod", ...NO_NAT);
            const taskIngress = r.all("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((x) => String(x.inputs.securityGroupId).includes("task-sg"));
            assert.strictEqual(taskIngress.length, 1);
            assert.match(String(taskIngress[0].inputs.referencedSecurityGroupId), /lb-sg/);
            assert.strictEqual(taskIngress[0].inputs.cidrIpv4, undefined);
        });

        it("trades three NAT gateways and their IPv4 for one public IPv4 per task", async () => {
            const [base, none] = [await render("prod"), await render("prod", ...NO_NAT)];
            assert.strictEqual(what(base, /^NAT gateways/), 98.55);
            assert.strictEqual(what(none, /^NAT/), 0);
            assert.strictEqual(what(none, /^Task public IPv4/), 7.3);
            assert.strictEqual(Math.round((cost(base).monthlyTotal - cost(none).monthlyTotal) * 100) / 100, 98.55 + 10.95 + 0.22 - 7.3);
        });
    });

    it("availabilityZones: 2 spans two zones, with a NAT gateway and a balancer address fewer", async () => {
        const r = await render("prod", ...TWO_ZONES);
        assert.strictEqual(r.one("awsx:ec2:Vpc").inputs.numberOfAvailabilityZones, 2);
        assert.strictEqual(what(r, /^NAT gateways/), 65.7);
        assert.strictEqual(what(r, /^Load balancer public IPv4/), 7.3);
    });

    it("architecture: arm64 runs Graviton tasks from a linux/arm64 image, about 20% cheaper", async () => {
        const r = await render("prod", ...ARM);
        assert.deepStrictEqual((r.one("aws:ecs/taskDefinition:TaskDefinition").inputs.runtimePlatform as Record<string, string>).cpuArchitecture, "ARM64");
        assert.strictEqual((r.one("docker:index/image:Image").inputs.build as { platform: string }).platform, "linux/arm64");
        assert.strictEqual((((await render("prod")).one("docker:index/image:Image").inputs.build) as { platform: string }).platform, "linux/amd64");
        assert.strictEqual(what(r, /^Fargate tasks/), 57.67); // 2 x (0.03238 + 2 x 0.00356) x 730, against 72.08 on x86
    });

    it("spotShare puts that share of the tasks above the first on Fargate Spot", async () => {
        const r = await render("prod", ...SPOT);
        assert.deepStrictEqual(r.one("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders").inputs.capacityProviders, ["FARGATE", "FARGATE_SPOT"]);
        const svc = r.one("aws:ecs/service:Service").inputs;
        assert.strictEqual(svc.launchType, undefined);
        assert.deepStrictEqual(svc.capacityProviderStrategies, capacityStrategy(50));
        assert.ok(!(await render("prod")).has("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders"), "none without spotShare");
        // 2 tasks at 50%: the first stays on-demand, the second's half rounds down, so the estimate is unchanged until 3 tasks.
        const three = await render("prod", ...SPOT, "minInstances=3");
        assert.strictEqual(what(three, /^Fargate tasks/), 72.08);
        assert.strictEqual(what(three, /^Fargate Spot/), 10.81);
    });

    it("cacheNodes: 1 keeps one cache node without failover, next to a Multi-AZ database", async () => {
        const r = await render("prod", ...ONE_CACHE_NODE);
        const group = r.one("aws:elasticache/replicationGroup:ReplicationGroup").inputs;
        assert.deepStrictEqual([group.numCacheClusters, group.automaticFailoverEnabled, group.multiAzEnabled], [1, false, false]);
        assert.strictEqual(r.one("aws:rds/instance:Instance").inputs.multiAz, true);
        assert.strictEqual(what(r, /^ElastiCache/), 11.68);
    });

    it("cacheEngine: valkey runs Valkey 8.0 with the same AUTH and TLS, at 20% less a node", async () => {
        const r = await render("prod", ...VALKEY);
        const group = r.one("aws:elasticache/replicationGroup:ReplicationGroup").inputs;
        assert.deepStrictEqual([group.engine, group.engineVersion, group.transitEncryptionEnabled, group.authToken], ["valkey", "8.0", true, "[secret]"]);
        assert.strictEqual(what(r, /^ElastiCache/), 18.69); // 2 x 0.0128 x 730, against 23.36
    });

    it("meets the reference design's availability at 60% of its cost", async () => {
        const r = await render("prod", ...GOAL);
        const c = cost(r);
        const reference = cost(await render("prod", ...REFERENCE));
        assert.strictEqual(r.one("awsx:ec2:Vpc").inputs.numberOfAvailabilityZones, 2);
        assert.strictEqual(r.one("aws:rds/instance:Instance").inputs.multiAz, true);
        assert.strictEqual(r.one("aws:ecs/service:Service").inputs.desiredCount, 2);
        assert.strictEqual(r.one("aws:elasticache/replicationGroup:ReplicationGroup").inputs.numCacheClusters, 1);
        // 60% of the reference design's $182 is a saving of at least $72.80. Measured as a saving against the
        // reference design rendered beside it, so pieces both carry (alarms, a dashboard, other processes) cancel out.
        const saving = Math.round((reference.monthlyTotal - c.monthlyTotal) * 100) / 100;
        assert.ok(saving >= 0.4 * 182, `saves $${saving} a month against the reference design ($${reference.monthlyTotal} -> $${c.monthlyTotal})`);
        assert.deepStrictEqual(c.unpriced.map((u) => u.type), reference.unpriced.map((u) => u.type), "nothing left unpriced that the reference design prices");
    });

    describe("Cloud Run", () => {
        it("scale to zero with request-based CPU has no fixed compute charge; a warm instance with CPU always allocated does", async () => {
            const dev = await render("dev");
            assert.strictEqual(what(dev, /^Cloud Run (idle|instances)/), 0);
            const warm = await render("dev", "minInstances=1", "cpuAlwaysAllocated=true");
            assert.strictEqual(what(warm, /^Cloud Run instances, CPU always allocated \(1\)/), 49.93);
        });

        it("dbStorageGb: 10 is allowed on Cloud SQL and halves the dev disk", async () => {
            const r = await render("dev", "dbStorageGb=10");
            assert.strictEqual((r.one("gcp:sql/databaseInstance:DatabaseInstance").inputs.settings as { diskSize: number }).diskSize, 10);
            assert.strictEqual(what(r, /^Cloud SQL SSD/), 1.87);
        });
    });
});

describe("cost lever preflight rules", () => {
    const svc = (inputs: Record<string, unknown>) => ({ type: "aws:ecs/service:Service", name: "svc", inputs: { cluster: "<computed:c.arn>", ...inputs } }) as ResourceView;
    const providers = (list: unknown[]) => ({ type: "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders", name: "cap", inputs: { clusterName: "<computed:c.name>", capacityProviders: list } }) as ResourceView;
    const ids = (resources: ResourceView[]) => preflight(resources, { resource: COST_LEVER_RULES, stack: COST_LEVER_STACK_RULES }).map((v) => `${v.rule}:${v.property}`);

    it("accepts what the program declares", () => {
        assert.deepStrictEqual(ids([providers(["FARGATE", "FARGATE_SPOT"]), svc({ capacityProviderStrategies: capacityStrategy(50) })]), []);
        assert.deepStrictEqual(ids([svc({ launchType: "FARGATE" })]), []);
    });

    it("rejects weights, bases and strategies ECS rejects", () => {
        const cap = providers(["FARGATE", "FARGATE_SPOT"]);
        assert.deepStrictEqual(ids([cap, svc({ capacityProviderStrategies: [{ capacityProvider: "FARGATE", weight: 1001 }] })]), ["aws-ecs-capacity-strategy:capacityProviderStrategies[0].weight"]);
        assert.deepStrictEqual(ids([cap, svc({ capacityProviderStrategies: [{ capacityProvider: "FARGATE", base: -1, weight: 1 }] })]), ["aws-ecs-capacity-strategy:capacityProviderStrategies[0].base"]);
        assert.deepStrictEqual(
            ids([cap, svc({ capacityProviderStrategies: [{ capacityProvider: "FARGATE", base: 1, weight: 1 }, { capacityProvider: "FARGATE_SPOT", base: 1, weight: 1 }] })]),
            ["aws-ecs-capacity-strategy:capacityProviderStrategies"],
        );
        assert.deepStrictEqual(ids([cap, svc({ capacityProviderStrategies: [{ capacityProvider: "FARGATE", weight: 0 }] })]), ["aws-ecs-capacity-strategy:capacityProviderStrategies"]);
    });

    it("rejects a launch type next to a strategy", () => {
        assert.deepStrictEqual(ids([providers(["FARGATE"]), svc({ launchType: "FARGATE", capacityProviderStrategies: [{ capacityProvider: "FARGATE", weight: 1 }] })]), ["aws-ecs-strategy-or-launch-type:launchType"]);
    });

    it("rejects unknown or repeated cluster capacity providers", () => {
        assert.deepStrictEqual(ids([providers(["FARGATE", "SPOT"])]), ["aws-ecs-cluster-capacity-providers:capacityProviders"]);
        assert.deepStrictEqual(ids([providers(["FARGATE", "FARGATE"])]), ["aws-ecs-cluster-capacity-providers:capacityProviders"]);
    });

    it("rejects Fargate tasks placed in isolated subnets without a public IP", () => {
        const isolated = ["<computed:vpc.isolatedSubnetIds[0]>", "<computed:vpc.isolatedSubnetIds[1]>"];
        assert.deepStrictEqual(ids([svc({ launchType: "FARGATE", networkConfiguration: { subnets: isolated, assignPublicIp: false } })]), ["aws-fargate-task-egress:networkConfiguration.subnets"]);
        const schedule = { type: "aws:scheduler/schedule:Schedule", name: "job", inputs: { target: { ecsParameters: { networkConfiguration: { subnets: isolated } } } } } as ResourceView;
        assert.deepStrictEqual(ids([schedule]), ["aws-fargate-task-egress:target.ecsParameters.networkConfiguration.subnets"]);
        const release = { type: "pulumi-nodejs:dynamic/ecs:ReleaseRun", name: "release", inputs: { subnets: isolated, assignPublicIp: false } } as ResourceView;
        assert.deepStrictEqual(ids([release]), ["aws-fargate-task-egress:subnets"]);
        assert.deepStrictEqual(ids([svc({ launchType: "FARGATE", networkConfiguration: { subnets: ["<computed:vpc.publicSubnetIds[0]>"], assignPublicIp: true } })]), []);
    });

    it("rejects a strategy naming a provider the service's cluster does not offer", () => {
        assert.deepStrictEqual(ids([providers(["FARGATE"]), svc({ capacityProviderStrategies: capacityStrategy(50) })]), ["aws-ecs-strategy-providers-associated:capacityProviderStrategies"]);
        assert.deepStrictEqual(ids([svc({ capacityProviderStrategies: capacityStrategy(50) })]).length, 2, "no provider list at all");
    });
});
