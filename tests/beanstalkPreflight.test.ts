// The apply-time rules for the Elastic Beanstalk target's resources: each
// rejects an input its API would reject, and accepts what the program declares.
import * as assert from "assert";
import { ResourceView, preflight } from "../analysis/preflight";
import { RULES } from "../analysis/rules";
import { BEANSTALK_RULES } from "../analysis/rules/beanstalk";
import { beanstalkApplicationName } from "../components/aws/beanstalkApplication";
import { beanstalkEnvironmentName } from "../components/aws/beanstalkEnvironment";
import { render } from "./harness";

const res = (type: string, name: string, inputs: Record<string, unknown>): ResourceView => ({ type, name, inputs });
const long = (n: number, c = "a"): string => c.repeat(n);
const APP = "aws:elasticbeanstalk/application:Application";
const VERSION = "aws:elasticbeanstalk/applicationVersion:ApplicationVersion";
const ENV = "aws:elasticbeanstalk/environment:Environment";
const BUCKET = "aws:s3/bucket:Bucket";

/** One input each Beanstalk rule must reject, by rule id. */
export const BEANSTALK_VIOLATIONS: Record<string, ResourceView[]> = {
    "beanstalk-application-name": [res(APP, "x", { name: long(101) })],
    "beanstalk-application-description": [res(APP, "x", { description: long(201) })],
    "beanstalk-version-label": [res(VERSION, "x", { name: long(101) })],
    "beanstalk-version-description": [res(VERSION, "x", { description: long(201) })],
    "beanstalk-environment-name": [
        res(ENV, "x", { name: "abc" }),
        res(ENV, "x", { name: long(41) }),
        res(ENV, "x", { name: "-shop-prod" }),
        res(ENV, "x", { name: "shop_prod" }),
        // An autoname from a long logical name: 33 characters plus "-" and 7.
        res(ENV, long(33), {}),
    ],
    "beanstalk-cname-prefix": [res(ENV, "x", { cnamePrefix: "abc" }), res(ENV, "x", { cnamePrefix: "shop-" }), res(ENV, "x", { cnamePrefix: "shop.api" }), res(ENV, "x", { cnamePrefix: long(64) })],
    "beanstalk-environment-description": [res(ENV, "x", { description: long(201) })],
    "beanstalk-environment-properties-size": [
        res(ENV, "x", { settings: [{ namespace: "aws:elasticbeanstalk:application:environment", name: "BIG", value: long(4093) }] }),
    ],
    "aws-s3-bucket-name": [res(BUCKET, "App-Versions", {}), res(BUCKET, long(56), {}), res(BUCKET, "x", { bucket: "ab" }), res(BUCKET, "x", { bucket: "xn--bundles" })],
    "aws-s3-bucket-name-suffix": [res(BUCKET, "x", { bucket: "bundles-s3alias" }), res(BUCKET, "x", { bucket: "192.168.1.1" }), res(BUCKET, "x", { bucket: "a..b" })],
    "aws-iam-instance-profile-name": [res("aws:iam/instanceProfile:InstanceProfile", "x", { name: "web profile" })],
};

describe("Beanstalk preflight rules", () => {
    it("has a violating input for every rule, and every rule cites its source", () => {
        assert.deepStrictEqual(BEANSTALK_RULES.map((r) => r.id).filter((id) => !(id in BEANSTALK_VIOLATIONS)), []);
        for (const rule of BEANSTALK_RULES) {
            assert.match(rule.source, /^https:\/\/docs\.aws\.amazon\.com\//, `${rule.id} cites its reference`);
        }
    });

    for (const [id, resources] of Object.entries(BEANSTALK_VIOLATIONS)) {
        it(`${id}: rejects what the API would`, () => {
            for (const r of resources) {
                const found = preflight([r], RULES).filter((v) => v.rule === id);
                assert.ok(found.length > 0, `expected ${id} to fire on ${JSON.stringify(r)}`);
            }
        });
    }

    it("accepts a 4-character environment name, a valid CNAME prefix and a properties map just under the limit", () => {
        const ok = [
            res(ENV, "x", { name: "shop", cnamePrefix: "shop-api-prod", settings: [{ namespace: "aws:elasticbeanstalk:application:environment", name: "BIG", value: long(4092) }] }),
            res(BUCKET, "app-beanstalk-versions", {}),
        ];
        assert.deepStrictEqual(preflight(ok, RULES), []);
    });

    it("derives application and environment names within the limits for long project and stack names", () => {
        const project = "a-rather-long-project-name-for-a-shop";
        const stack = "production-europe-west";
        assert.ok(beanstalkApplicationName(project, stack).length <= 100);
        const env = beanstalkEnvironmentName(project, stack);
        assert.ok(env.length >= 4 && env.length <= 40 && /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(env), env);
        assert.notStrictEqual(env, beanstalkEnvironmentName(project, "production-europe-east"), "still unique when shortened");
    });

    it("passes what the Beanstalk target declares, with and without a domain", async () => {
        // render() runs preflight and rejects on any violation.
        // The same overrides as tests/beanstalk.test.ts, so the memoized renders are shared.
        for (const overrides of [["platform=beanstalk"], ["platform=beanstalk", "domain=app.example.com", "secrets.API_KEY=s3cr3t-value-for-the-render"]]) {
            const r = await render("prod", ...overrides);
            assert.ok(r.has(ENV));
        }
    });
});
