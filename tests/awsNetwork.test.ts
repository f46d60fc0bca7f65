// The AWS network and front door: VPC and NAT, who each security group admits,
// the load balancer's behaviour, and HTTPS exactly when a domain is set.
import * as assert from "assert";
import { hostedZoneName } from "../components/aws/loadBalancer";
import { VPC_CIDR } from "../components/aws/network";
import { RenderedResource } from "../scripts/render";
import { Rendered, computed, render } from "./harness";

const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const LB = "aws:lb/loadBalancer:LoadBalancer";
const LISTENER = "aws:lb/listener:Listener";
const TG = "aws:lb/targetGroup:TargetGroup";
const CERT = "aws:acm/certificate:Certificate";
const RECORD = "aws:route53/record:Record";

const sgId = (name: string) => computed(name, "id");
const isWorld = (rule: RenderedResource) => rule.inputs.cidrIpv4 === "0.0.0.0/0" || rule.inputs.cidrIpv6 === "::/0";
const ingressOf = (r: Rendered, sg: string) => r.all(INGRESS).filter((x) => x.inputs.securityGroupId === sgId(sg));

describe("AWS network and load balancer", () => {
    describe("VPC", () => {
        it("spreads prod over three availability zones with a NAT gateway in each", async () => {
            const vpc = (await render("prod")).one("awsx:ec2:Vpc");
            assert.deepStrictEqual(vpc.inputs.natGateways, { strategy: "OnePerAz" });
            assert.strictEqual(vpc.inputs.numberOfAvailabilityZones, 3);
            assert.strictEqual(vpc.inputs.cidrBlock, VPC_CIDR);
        });

        it("uses a single NAT gateway with natGateways=single, and still two zones without highAvailability", async () => {
            const vpc = (await render("prod", "natGateways=single", "highAvailability=false")).one("awsx:ec2:Vpc");
            assert.deepStrictEqual(vpc.inputs.natGateways, { strategy: "Single" });
            assert.strictEqual(vpc.inputs.numberOfAvailabilityZones, 2);
        });
    });

    describe("security groups", () => {
        for (const overrides of [[], ["domain=app.example.com"]]) {
            it(`admit the world on 80/443 only${overrides.length ? " (with a domain)" : ""}`, async () => {
                const r = await render("prod", ...overrides);
                const world = r.all(INGRESS).filter(isWorld);
                assert.ok(world.length > 0, "the public load balancer must admit clients");
                for (const rule of world) {
                    assert.strictEqual(rule.inputs.ipProtocol, "tcp", rule.name);
                    assert.strictEqual(rule.inputs.fromPort, rule.inputs.toPort, rule.name);
                    assert.ok([80, 443].includes(rule.inputs.fromPort as number), `${rule.name} opens ${rule.inputs.fromPort}`);
                    assert.strictEqual(rule.inputs.securityGroupId, sgId("app-network-lb-sg"), `${rule.name} is not on the load balancer`);
                }
                // Inline rules would bypass the checks above.
                for (const sg of r.all(SG)) {
                    assert.strictEqual(sg.inputs.ingress, undefined, sg.name);
                }
            });
        }

        it("open 443 only when there is a certificate to serve it", async () => {
            const ports = (r: Rendered) => ingressOf(r, "app-network-lb-sg").map((x) => x.inputs.fromPort).sort();
            assert.deepStrictEqual(ports(await render("prod")), [80]);
            assert.deepStrictEqual(ports(await render("prod", "domain=app.example.com")), [443, 80]);
        });

        it("let only the load balancer's group reach the tasks, on the app port", async () => {
            const rules = ingressOf(await render("prod", "port=9000"), "app-network-task-sg");
            assert.strictEqual(rules.length, 1);
            assert.strictEqual(rules[0].inputs.referencedSecurityGroupId, sgId("app-network-lb-sg"));
            assert.deepStrictEqual([rules[0].inputs.ipProtocol, rules[0].inputs.fromPort, rules[0].inputs.toPort], ["tcp", 9000, 9000]);
        });

        it("let the load balancer send only to the tasks, on the app port", async () => {
            const out = (await render("prod")).all(EGRESS).filter((x) => x.inputs.securityGroupId === sgId("app-network-lb-sg"));
            assert.strictEqual(out.length, 1);
            assert.strictEqual(out[0].inputs.referencedSecurityGroupId, sgId("app-network-task-sg"));
            assert.deepStrictEqual([out[0].inputs.fromPort, out[0].inputs.toPort], [8080, 8080]);
        });

        it("admit only this VPC to an internal load balancer", async () => {
            const r = await render("prod", "public=false");
            assert.strictEqual(r.all(INGRESS).filter(isWorld).length, 0);
            assert.deepStrictEqual(ingressOf(r, "app-network-lb-sg").map((x) => x.inputs.cidrIpv4), [VPC_CIDR]);
        });
    });

    describe("load balancer", () => {
        it("is internet-facing in the public subnets and drops invalid headers", async () => {
            const lb = (await render("prod")).one(LB);
            assert.strictEqual(lb.inputs.internal, false);
            assert.strictEqual(lb.inputs.loadBalancerType, "application");
            assert.deepStrictEqual(lb.inputs.subnets, [computed("app-network-vpc", "publicSubnetIds[0]"), computed("app-network-vpc", "publicSubnetIds[1]")]);
            assert.deepStrictEqual(lb.inputs.securityGroups, [sgId("app-network-lb-sg")]);
            assert.strictEqual(lb.inputs.dropInvalidHeaderFields, true);
        });

        it("closes idle connections before the app's 75 s keep-alive does", async () => {
            const idle = (await render("prod")).one(LB).inputs.idleTimeout as number;
            assert.strictEqual(idle, 60);
            assert.ok(idle < 75);
        });

        it("is internal, in the private subnets, with public=false", async () => {
            const lb = (await render("prod", "public=false")).one(LB);
            assert.strictEqual(lb.inputs.internal, true);
            assert.deepStrictEqual(lb.inputs.subnets, [computed("app-network-vpc", "privateSubnetIds[0]"), computed("app-network-vpc", "privateSubnetIds[1]")]);
        });

        it("has deletion protection in prod and not with protect=false", async () => {
            assert.strictEqual((await render("prod")).one(LB).inputs.enableDeletionProtection, true);
            assert.strictEqual((await render("prod", "protect=false")).one(LB).inputs.enableDeletionProtection, false);
        });

        it("drains stopping tasks for deregistrationDelay seconds (15 by default)", async () => {
            assert.strictEqual((await render("prod")).one(TG).inputs.deregistrationDelay, 15);
            assert.strictEqual((await render("prod", "deregistrationDelay=40")).one(TG).inputs.deregistrationDelay, 40);
        });

        it("sends traffic to task IPs on the app port and checks /healthz", async () => {
            const tg = (await render("prod", "port=9000")).one(TG);
            assert.strictEqual(tg.inputs.targetType, "ip");
            assert.strictEqual(tg.inputs.port, 9000);
            assert.strictEqual((tg.inputs.healthCheck as { path: string }).path, "/healthz");
        });
    });

    describe("without a domain", () => {
        it("serves plain HTTP on the balancer's name and says so", async () => {
            const r = await render("prod");
            const listener = r.one(LISTENER);
            assert.deepStrictEqual([listener.inputs.port, listener.inputs.protocol], [80, "HTTP"]);
            assert.deepStrictEqual(listener.inputs.defaultActions, [{ type: "forward", targetGroupArn: computed("app-lb-tg", "arn") }]);
            assert.strictEqual(r.outputs.url, `http://${computed("app-lb-alb", "dnsName")}`);
            assert.match(r.outputs.endpointNote as string, /plain HTTP/i);
        });

        it("declares no certificate, HTTPS listener, redirect or DNS record", async () => {
            const r = await render("prod");
            assert.ok(!r.has(CERT));
            assert.ok(!r.has("aws:acm/certificateValidation:CertificateValidation"));
            assert.ok(!r.has(RECORD));
            assert.ok(r.all(LISTENER).every((l) => l.inputs.protocol !== "HTTPS" && l.inputs.port !== 443));
        });
    });

    describe("with a domain", () => {
        const withDomain = () => render("prod", "domain=app.example.com");
        const zoneId = computed("zone:example.com", "zoneId");

        it("gets an ACM certificate validated by DNS in the parent zone", async () => {
            const r = await withDomain();
            const cert = r.one(CERT);
            assert.deepStrictEqual(cert.inputs, { domainName: "app.example.com", validationMethod: "DNS" });
            const validation = r.one(RECORD, "app-lb-cert-validation");
            assert.strictEqual(validation.inputs.zoneId, zoneId);
            assert.strictEqual(validation.inputs.name, computed("app-lb-cert", "validationRecordName"));
            assert.deepStrictEqual(validation.inputs.records, [computed("app-lb-cert", "validationRecordValue")]);
            const validated = r.one("aws:acm/certificateValidation:CertificateValidation");
            assert.strictEqual(validated.inputs.certificateArn, computed("app-lb-cert", "arn"));
            assert.deepStrictEqual(validated.inputs.validationRecordFqdns, [computed("app-lb-cert", "validationRecordName")]);
        });

        it("serves HTTPS with a TLS 1.3 policy and the certificate", async () => {
            const https = (await withDomain()).one(LISTENER, "app-lb-https");
            assert.deepStrictEqual([https.inputs.port, https.inputs.protocol], [443, "HTTPS"]);
            assert.strictEqual(https.inputs.sslPolicy, "ELBSecurityPolicy-TLS13-1-2-2021-06");
            assert.strictEqual(https.inputs.certificateArn, computed("app-lb-cert", "arn"));
            assert.deepStrictEqual(https.inputs.defaultActions, [{ type: "forward", targetGroupArn: computed("app-lb-tg", "arn") }]);
        });

        it("redirects HTTP to HTTPS instead of serving it", async () => {
            const http = (await withDomain()).one(LISTENER, "app-lb-http-redirect");
            assert.deepStrictEqual([http.inputs.port, http.inputs.protocol], [80, "HTTP"]);
            assert.deepStrictEqual(http.inputs.defaultActions, [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }]);
            assert.strictEqual((await withDomain()).all(LISTENER).length, 2);
        });

        it("points an alias record for the domain at the balancer", async () => {
            const alias = (await withDomain()).one(RECORD, "app-lb-alias");
            assert.strictEqual(alias.inputs.zoneId, zoneId);
            assert.deepStrictEqual([alias.inputs.name, alias.inputs.type], ["app.example.com", "A"]);
            assert.deepStrictEqual(alias.inputs.aliases, [{ name: computed("app-lb-alb", "dnsName"), zoneId: computed("app-lb-alb", "zoneId"), evaluateTargetHealth: true }]);
        });

        it("puts the records in the hostedZone setting's zone when the parent is not the zone", async () => {
            const r = await render("prod", "domain=api.shop.example.com", "hostedZone=example.com");
            assert.strictEqual(r.one(RECORD, "app-lb-alias").inputs.zoneId, computed("zone:example.com", "zoneId"));
            assert.strictEqual(r.one(RECORD, "app-lb-cert-validation").inputs.zoneId, computed("zone:example.com", "zoneId"));
            assert.match(r.outputs.endpointNote as string, /validated in the Route 53 zone example\.com\)/, "the note names the zone the records are in");
        });

        it("reports the https URL", async () => {
            const o = (await withDomain()).outputs;
            assert.strictEqual(o.url, "https://app.example.com");
            assert.match(o.endpointNote as string, /HTTPS on app\.example\.com/);
        });
    });

    describe("hostedZoneName", () => {
        for (const [domain, zone] of [
            ["app.example.com", "example.com"],
            ["api.eu.example.co.uk", "eu.example.co.uk"],
            ["example.com", "example.com"],
            ["app.example.com.", "example.com"],
        ]) {
            it(`puts ${domain} in the zone ${zone}`, () => assert.strictEqual(hostedZoneName(domain), zone));
        }
    });
});
