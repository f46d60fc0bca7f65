// The Elastic Beanstalk target, rendered under mocks from the prod fixture
// (medium, 2-10 instances, PostgreSQL and Redis) with platform=beanstalk.
import * as assert from "assert";
import { BEANSTALK_SERVICE_POLICIES } from "../components/aws/beanstalkApplication";
import { DOCKER_SOLUTION_STACK } from "../components/aws/beanstalkEnvironment";
import { bundleFiles, dockerrun, versionLabel } from "../components/aws/beanstalkVersion";
import { loadBalancerArnSuffix } from "../components/aws/beanstalkTarget";
import { Rendered, computed, parseJson, render } from "./harness";

const ENV = "aws:elasticbeanstalk/environment:Environment";
const VERSION = "aws:elasticbeanstalk/applicationVersion:ApplicationVersion";
const SECRET_VALUE = "s3cr3t-value-for-the-render";
const PLAIN = ["platform=beanstalk"];
const HTTPS = ["platform=beanstalk", "domain=app.example.com", `secrets.API_KEY=${SECRET_VALUE}`];

interface Statement {
    Sid: string;
    Action: string[];
    Resource: string | string[];
}

/** The environment's option settings as `namespace -> name -> value`. */
function options(r: Rendered): Record<string, Record<string, unknown>> {
    const out: Record<string, Record<string, unknown>> = {};
    for (const s of r.one(ENV).inputs.settings as Array<{ namespace: string; name: string; value: unknown }>) {
        assert.ok(!(out[s.namespace] ?? {})[s.name], `${s.namespace} ${s.name} is set once`);
        (out[s.namespace] ??= {})[s.name] = s.value;
    }
    return out;
}

function instancePolicy(r: Rendered): Statement[] {
    return parseJson<{ Statement: Statement[] }>(r.one("aws:iam/rolePolicy:RolePolicy", "app-web-instance-policy").inputs.policy).Statement;
}

describe("AWS Elastic Beanstalk target", () => {
    it("declares the application, a version and an environment with the shared network and data tier, and no ECS", async () => {
        const r = await render("prod", ...PLAIN);
        for (const type of ["aws:elasticbeanstalk/application:Application", VERSION, ENV, "awsx:ec2:Vpc", "aws:rds/instance:Instance", "aws:elasticache/replicationGroup:ReplicationGroup", "aws:ecr/repository:Repository"]) {
            assert.ok(r.has(type), `declares ${type}`);
        }
        assert.deepStrictEqual([...r.types()].filter((t) => t.startsWith("aws:ecs/") || t.startsWith("aws:lb/")), [], "Beanstalk owns the load balancer; no ECS");
    });

    it("exports the outputs every target has, with the environment as the service", async () => {
        const r = await render("prod", ...PLAIN);
        const env = r.one(ENV);
        assert.strictEqual(r.outputs.url, `http://${computed(env.name, "cname")}`);
        assert.strictEqual(r.outputs.serviceName, env.inputs.name);
        assert.match(String(r.outputs.imageRef), /repoDigest/);
        assert.match(String(r.outputs.consoleUrl), /^https:\/\/us-east-1\.console\.aws\.amazon\.com\/elasticbeanstalk\/.*environmentId=/);
        assert.ok(r.outputs.databaseEndpoint && r.outputs.cacheEndpoint);
        assert.strictEqual((await render("prod", ...HTTPS)).outputs.url, "https://app.example.com");
    });

    describe("versions", () => {
        it("labels the version from the image digest and the bundle, so a new digest is a new version and the same one none", () => {
            const image = `000000000000.dkr.ecr.us-east-1.amazonaws.com/app@sha256:${"ab12".repeat(16)}`;
            const label = versionLabel(image, bundleFiles(image, 8080, false));
            assert.match(label, /^sha256-ab12ab12ab12ab12-[0-9a-f]{8}$/);
            assert.strictEqual(versionLabel(image, bundleFiles(image, 8080, false)), label, "deterministic");
            const next = image.replace(/ab12$/, "cd34");
            assert.notStrictEqual(versionLabel(next, bundleFiles(next, 8080, false)), label);
            assert.ok(label.length <= 100);
        });

        it("deploys the version built from the rendered image, stored under its label in the stack's bucket", async () => {
            const r = await render("prod", ...PLAIN);
            const image = String(r.outputs.imageRef);
            const version = r.one(VERSION);
            assert.strictEqual(version.inputs.name, versionLabel(image, bundleFiles(image, 8080, false)));
            assert.strictEqual(version.inputs.key, `bundles/${version.inputs.name}.zip`);
            assert.strictEqual(version.inputs.bucket, computed("app-beanstalk-versions", "bucket"));
            assert.strictEqual(r.one(ENV).inputs.version, version.inputs.name);
            // The redirect changes the bundle, so a stack with a domain deploys another label.
            const https = await render("prod", ...HTTPS);
            assert.strictEqual(https.one(VERSION).inputs.name, versionLabel(image, bundleFiles(image, 8080, true)));
        });

        it("names the digest-pinned image and the app port in a version 1 Dockerrun.aws.json", () => {
            const doc = JSON.parse(dockerrun("repo@sha256:abc", 8080));
            assert.deepStrictEqual(doc, { AWSEBDockerrunVersion: "1", Image: { Name: "repo@sha256:abc", Update: "true" }, Ports: [{ ContainerPort: 8080 }] });
            assert.deepStrictEqual(Object.keys(bundleFiles("i", 8080, true)).sort(), [".ebextensions/00-instance-health.config", ".ebextensions/10-https-redirect.config", "Dockerrun.aws.json"]);
            const redirect = JSON.parse(bundleFiles("i", 8080, true)[".ebextensions/10-https-redirect.config"]);
            assert.deepStrictEqual(redirect.Resources.AWSEBV2LoadBalancerListener.Properties.DefaultActions[0].RedirectConfig.Protocol, "HTTPS");
        });

        it("keeps the last 20 versions through the application's lifecycle, deleting their bundles", async () => {
            const app = (await render("prod", ...PLAIN)).one("aws:elasticbeanstalk/application:Application");
            assert.deepStrictEqual(app.inputs.appversionLifecycle, { serviceRole: computed("app-beanstalk-service-role", "arn"), maxCount: 20, deleteSourceFromS3: true });
        });

        it("keeps bundles in an encrypted, private, TLS-only bucket", async () => {
            const r = await render("prod", ...PLAIN);
            const bucket = computed("app-beanstalk-versions", "id");
            assert.strictEqual(r.one("aws:s3/bucket:Bucket", "app-beanstalk-versions").inputs.forceDestroy, false, "prod is protected");
            const sse = r.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "app-beanstalk-versions-encryption").inputs as { bucket: string; rules: Array<{ applyServerSideEncryptionByDefault: { sseAlgorithm: string } }> };
            assert.deepStrictEqual([sse.bucket, sse.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm], [bucket, "AES256"]);
            const block = r.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "app-beanstalk-versions-public-access").inputs;
            assert.deepStrictEqual(block, { bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
            const policy = parseJson<{ Statement: Array<Record<string, unknown>> }>(r.one("aws:s3/bucketPolicy:BucketPolicy", "app-beanstalk-versions-policy").inputs.policy);
            assert.deepStrictEqual(policy.Statement[0].Effect, "Deny");
            assert.deepStrictEqual(policy.Statement[0].Condition, { Bool: { "aws:SecureTransport": "false" } });
        });
    });

    describe("environment options", () => {
        it("starts on the newest Docker on Amazon Linux 2023 platform, found by name", () => {
            const re = new RegExp(DOCKER_SOLUTION_STACK);
            assert.ok(re.test("64bit Amazon Linux 2023 v4.7.1 running Docker"));
            assert.ok(!re.test("64bit Amazon Linux 2 v4.1.0 running Docker"));
            assert.ok(!re.test("64bit Amazon Linux 2023 v4.7.1 running ECS"));
        });

        it("reports enhanced health from /healthz", async () => {
            const o = options(await render("prod", ...PLAIN));
            assert.deepStrictEqual(o["aws:elasticbeanstalk:environment"], { EnvironmentType: "LoadBalanced", LoadBalancerType: "application", ServiceRole: computed("app-beanstalk-service-role", "name") });
            assert.strictEqual(o["aws:elasticbeanstalk:healthreporting:system"].SystemType, "enhanced");
            assert.strictEqual(o["aws:elasticbeanstalk:application"]["Application Healthcheck URL"], "/healthz");
            assert.strictEqual(o["aws:elasticbeanstalk:environment:process:default"].HealthCheckPath, "/healthz");
            assert.strictEqual(o["aws:elasticbeanstalk:environment:process:default"].DeregistrationTimeout, "15");
        });

        it("deploys immutably, never ignoring health checks, and updates the platform in a weekly window", async () => {
            const o = options(await render("prod", ...PLAIN));
            assert.strictEqual(o["aws:elasticbeanstalk:command"].DeploymentPolicy, "Immutable");
            assert.strictEqual(o["aws:elasticbeanstalk:command"].IgnoreHealthCheck, "false");
            assert.strictEqual(o["aws:autoscaling:updatepolicy:rollingupdate"].RollingUpdateType, "Immutable");
            assert.deepStrictEqual(o["aws:elasticbeanstalk:managedactions"], { ManagedActionsEnabled: "true", PreferredStartTime: "Sun:03:00", ServiceRoleForManagedUpdates: computed("app-beanstalk-service-role", "name") });
            assert.deepStrictEqual(o["aws:elasticbeanstalk:managedactions:platformupdate"], { UpdateLevel: "minor", InstanceRefreshEnabled: "true" });
        });

        it("runs instances with IMDSv2 only, no SSH key, the instance profile and only the stack's security group", async () => {
            const o = options(await render("prod", ...PLAIN));
            const lc = o["aws:autoscaling:launchconfiguration"];
            assert.strictEqual(lc.DisableIMDSv1, "true");
            assert.ok(!("EC2KeyName" in lc), "no SSH key");
            assert.strictEqual(lc.IamInstanceProfile, computed("app-web-instance-profile", "name"));
            assert.strictEqual(lc.SecurityGroups, computed("app-network-task-sg", "id"));
            assert.strictEqual(lc.DisableDefaultEC2SecurityGroup, "true");
            assert.strictEqual(o["aws:ec2:instances"].InstanceTypes, "t3.medium", "medium: 1 vCPU / 2 GiB plus the host");
            assert.deepStrictEqual(o["aws:autoscaling:asg"], { MinSize: "2", MaxSize: "10" });
            assert.strictEqual(o["aws:autoscaling:trigger"].MeasureName, "CPUUtilization");
            assert.strictEqual(o["aws:autoscaling:trigger"].UpperThreshold, "60");
        });

        it("puts instances in private subnets without public IPs and the balancer in public ones", async () => {
            const vpc = options(await render("prod", ...PLAIN))["aws:ec2:vpc"];
            const subnets = (kind: string): string => [0, 1].map((i) => computed("app-network-vpc", `${kind}SubnetIds[${i}]`)).join(",");
            assert.deepStrictEqual(vpc, {
                VPCId: computed("app-network-vpc", "vpcId"),
                Subnets: subnets("private"),
                ELBSubnets: subnets("public"),
                ELBScheme: "public",
                AssociatePublicIpAddress: "false",
            });
        });

        it("writes the load balancer's access logs to the stack's access-log bucket", async () => {
            const r = await render("prod", ...PLAIN);
            const lb = options(r)["aws:elbv2:loadbalancer"];
            assert.strictEqual(lb.AccessLogsS3Enabled, "true");
            assert.strictEqual(lb.AccessLogsS3Bucket, r.one("aws:s3/bucketPolicy:BucketPolicy", "app-access-logs-bucket-policy").inputs.bucket);
            assert.deepStrictEqual([lb.SecurityGroups, lb.ManagedSecurityGroup], [computed("app-network-lb-sg", "id"), computed("app-network-lb-sg", "id")]);
        });

        it("streams logs to CloudWatch for logRetentionDays", async () => {
            const o = options(await render("prod", ...PLAIN));
            assert.deepStrictEqual(o["aws:elasticbeanstalk:cloudwatch:logs"], { StreamLogs: "true", DeleteOnTerminate: "false", RetentionInDays: "30" });
            assert.strictEqual(o["aws:elasticbeanstalk:cloudwatch:logs:health"].RetentionInDays, "30");
        });

        it("serves HTTP only without a domain", async () => {
            const r = await render("prod", ...PLAIN);
            assert.ok(!("aws:elbv2:listener:443" in options(r)));
            assert.ok(!r.has("aws:acm/certificate:Certificate"));
        });

        it("serves HTTPS with a validated certificate and TLS 1.2+ on a domain, with an alias to the environment", async () => {
            const r = await render("prod", ...HTTPS);
            const https = options(r)["aws:elbv2:listener:443"];
            assert.deepStrictEqual(https, {
                ListenerEnabled: "true",
                Protocol: "HTTPS",
                SSLCertificateArns: r.one("aws:acm/certificateValidation:CertificateValidation").inputs.certificateArn,
                SSLPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
                DefaultProcess: "default",
            });
            assert.strictEqual(r.one("aws:acm/certificate:Certificate").inputs.domainName, "app.example.com");
            const alias = r.one("aws:route53/record:Record", "app-alias").inputs as { name: string; aliases: Array<{ name: string }> };
            assert.deepStrictEqual([alias.name, alias.aliases[0].name], ["app.example.com", computed("app-web-env", "cname")]);
            assert.ok(r.has("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") && r.all("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").some((x) => x.inputs.fromPort === 443));
        });
    });

    describe("secrets and least privilege", () => {
        it("passes env as properties and every secret by reference, never as a value", async () => {
            const r = await render("prod", ...HTTPS);
            const o = options(r);
            assert.ok(!r.json().includes(SECRET_VALUE), "the secret's value appears nowhere in the render");
            assert.deepStrictEqual(o["aws:elasticbeanstalk:application:environmentsecrets"], {
                API_KEY: computed("app-web-secrets-api-key", "arn"),
                DB_PASSWORD: `${computed("app-db-postgres", "masterUserSecrets[0].secretArn")}:password`,
                REDIS_PASSWORD: computed("app-cache-auth-secret", "arn"),
            });
            const env = o["aws:elasticbeanstalk:application:environment"];
            assert.deepStrictEqual(Object.keys(env).filter((k) => /PASSWORD|API_KEY|TOKEN/.test(k)), []);
            assert.strictEqual(env.PORT, "8080");
            assert.strictEqual(env.APP_ENV, "prod");
        });

        it("lets the instances pull this repository, read this bucket and these secrets, write this environment's logs, and nothing else", async () => {
            const r = await render("prod", ...HTTPS);
            const envName = String(r.one(ENV).inputs.name);
            const bySid = Object.fromEntries(instancePolicy(r).map((s) => [s.Sid, s]));
            assert.deepStrictEqual(Object.keys(bySid).sort(), ["EcrLogin", "PullImage", "ReadBundle", "ReadSecrets", "ReportHealth", "WriteLogs"]);
            assert.deepStrictEqual(bySid.PullImage.Resource, [computed("app-registry-repo", "arn")]);
            assert.deepStrictEqual(bySid.ReadBundle.Resource, [`${computed("app-beanstalk-versions", "arn")}/*`]);
            assert.deepStrictEqual(bySid.ReadSecrets.Resource, [computed("app-cache-auth-secret", "arn"), computed("app-db-postgres", "masterUserSecrets[0].secretArn"), computed("app-web-secrets-api-key", "arn")].sort());
            assert.deepStrictEqual(bySid.WriteLogs.Resource, [`arn:aws:logs:us-east-1:000000000000:log-group:/aws/elasticbeanstalk/${envName}/*`]);
            for (const s of instancePolicy(r)) {
                assert.ok(s.Action.every((a) => !a.includes("*")), `${s.Sid}: no wildcard actions`);
                assert.ok(s.Sid === "EcrLogin" || s.Resource !== "*", `${s.Sid}: scoped to resources`);
            }
            assert.ok(!r.all("aws:iam/rolePolicyAttachment:RolePolicyAttachment").some((a) => a.inputs.role === computed("app-web-instance-role", "name")), "no managed policies on the instances");
        });

        it("gives Beanstalk's service role only the documented health and managed-update policies, plus pruning this bucket", async () => {
            const r = await render("prod", ...PLAIN);
            assert.deepStrictEqual(r.all("aws:iam/rolePolicyAttachment:RolePolicyAttachment").map((a) => a.inputs.policyArn).sort(), [...BEANSTALK_SERVICE_POLICIES].sort());
            const trust = parseJson<{ Statement: Array<{ Principal: unknown; Condition: { StringEquals: Record<string, string> } }> }>(r.one("aws:iam/role:Role", "app-beanstalk-service-role").inputs.assumeRolePolicy);
            assert.deepStrictEqual(trust.Statement[0].Principal, { Service: "elasticbeanstalk.amazonaws.com" });
            assert.strictEqual(trust.Statement[0].Condition.StringEquals["sts:ExternalId"], "elasticbeanstalk");
        });

        it("lets the database and cache admit the instances' security group only", async () => {
            const r = await render("prod", ...PLAIN);
            const instanceSg = options(r)["aws:autoscaling:launchconfiguration"].SecurityGroups;
            for (const rule of ["app-db-in-tasks", "app-cache-in-tasks"]) {
                const ingress = r.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", rule).inputs;
                assert.strictEqual(ingress.referencedSecurityGroupId, instanceSg, rule);
                assert.strictEqual(ingress.cidrIpv4, undefined, rule);
            }
        });
    });

    it("alarms on the environment's load balancer, its target group and the instances' CPU", async () => {
        assert.strictEqual(loadBalancerArnSuffix("arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/awseb-AWSEB-1/abc"), "app/awseb-AWSEB-1/abc");
        const r = await render("prod", ...PLAIN);
        const cpu = r.one("aws:cloudwatch/metricAlarm:MetricAlarm", "app-alarms-high-cpu").inputs;
        assert.deepStrictEqual([cpu.namespace, cpu.dimensions], ["AWS/EC2", { AutoScalingGroupName: computed("app-web-env", "autoscalingGroups[0]") }]);
        const unhealthy = r.one("aws:cloudwatch/metricAlarm:MetricAlarm", "app-alarms-unhealthy-hosts").inputs as { dimensions: Record<string, string> };
        assert.strictEqual(unhealthy.dimensions.TargetGroup, computed("targetGroup", "arnSuffix"));
    });
});
