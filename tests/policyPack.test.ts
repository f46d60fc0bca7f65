// The policy pack runs the same rules as the render: a violation the render
// reports is reported by the pack's policies too. (No Pulumi CLI here: the
// pack's validations are called directly with the arguments the CLI passes.)
import * as assert from "assert";
import { RULES } from "../analysis/rules";
import { resourcePolicies, stackPolicy } from "../policy/policies";

describe("policy pack", () => {
    it("has one mandatory policy per resource rule, and one for the stack rules", () => {
        const policies = resourcePolicies();
        assert.deepStrictEqual(policies.map((p) => p.name), RULES.resource.map((r) => r.id));
        assert.ok(policies.every((p) => p.enforcementLevel === "mandatory"));
        assert.strictEqual(stackPolicy().enforcementLevel, "mandatory");
    });

    it("reports the security group description EC2 rejects, as the render does", async () => {
        const policy = resourcePolicies().find((p) => p.name === "aws-sg-description")!;
        const reports: string[] = [];
        const validate = policy.validateResource as (args: unknown, report: (m: string) => void) => void;
        validate({ type: "aws:ec2/securityGroup:SecurityGroup", name: "db-sg", props: { description: "from the app's tasks" } }, (m) => reports.push(m));
        validate({ type: "aws:ec2/securityGroup:SecurityGroup", name: "ok-sg", props: { description: "from the app tasks" } }, (m) => reports.push(m));
        assert.strictEqual(reports.length, 1);
        assert.match(reports[0], /^aws:ec2\/securityGroup:SecurityGroup::db-sg: description = "from the app's tasks": contains "'"/);
    });

    it("reports stack-wide violations with the resources' real dependencies", () => {
        const reports: string[] = [];
        const sql = { type: "gcp:sql/databaseInstance:DatabaseInstance", name: "db", props: { settings: { ipConfiguration: { privateNetwork: "projects/p/global/networks/n" } } }, dependencies: [] };
        void stackPolicy().validateStack({ resources: [sql, { ...sql, name: "db" }] } as never, (m) => reports.push(m));
        assert.ok(reports.some((m) => /pulumi-unique-name/.test(m)), reports.join("\n"));
        assert.ok(reports.some((m) => /gcp-private-services-access-order/.test(m)), reports.join("\n"));
    });
});
