// The Google Cloud target's pure rules, without mocks: names, sizes as Cloud
// Run writes them, the execution environment, which APIs a stack enables.
import * as assert from "assert";
import { PRESETS, SIZE_NAMES } from "../components/sizing";
import { cloudRunCpu, cloudRunMemory, executionEnvironment, INGRESS } from "../components/gcp/cloudRunService";
import { safeId } from "../components/naming";
import { requiredApis } from "../components/gcp/projectApis";

describe("Google Cloud target rules", () => {
    describe("safeId", () => {
        const cases: Array<[string[], number, string]> = [
            [["flask-multicloud", "dev"], 63, "flask-multicloud-dev"],
            [["My_Project", "Prod.EU"], 63, "my-project-prod-eu"],
            [["2fast", "dev"], 63, "fast-dev"],
            [["flask-multicloud", "production"], 20, "flask-multicloud-pro"],
            [["abc", "-trailing-"], 8, "abc-trai"],
            [["abcdefg", "x"], 8, "abcdefg"],
        ];
        for (const [parts, max, want] of cases) {
            it(`${JSON.stringify(parts)} within ${max} -> ${want}`, () => {
                const id = safeId(parts, max);
                assert.strictEqual(id, want);
                assert.ok(id.length <= max);
                assert.match(id, /^[a-z]([a-z0-9-]*[a-z0-9])?$/);
            });
        }
    });

    describe("Cloud Run sizes", () => {
        const cpuCases: Array<[number, string]> = [
            [0.08, "80m"],
            [0.5, "500m"],
            [0.99, "990m"],
            [1, "1"],
            [2, "2"],
            [8, "8"],
        ];
        for (const [cpu, want] of cpuCases) {
            it(`writes ${cpu} vCPU as "${want}"`, () => assert.strictEqual(cloudRunCpu(cpu), want));
        }

        it("writes memory in MiB", () => {
            assert.strictEqual(cloudRunMemory(512), "512Mi");
            assert.strictEqual(cloudRunMemory(4096), "4096Mi");
        });

        it("runs fractional CPU on the first generation and whole CPUs on the second", () => {
            assert.strictEqual(executionEnvironment(0.5), "EXECUTION_ENVIRONMENT_GEN1");
            assert.strictEqual(executionEnvironment(0.99), "EXECUTION_ENVIRONMENT_GEN1");
            assert.strictEqual(executionEnvironment(1), "EXECUTION_ENVIRONMENT_GEN2");
            assert.strictEqual(executionEnvironment(4), "EXECUTION_ENVIRONMENT_GEN2");
        });

        it("every preset runs on the second generation", () => {
            for (const size of SIZE_NAMES) {
                assert.strictEqual(executionEnvironment(PRESETS[size].gcp.cpu), "EXECUTION_ENVIRONMENT_GEN2", size);
            }
        });
    });

    it("maps every ingress setting to a Cloud Run ingress value", () => {
        assert.deepStrictEqual(INGRESS, {
            all: "INGRESS_TRAFFIC_ALL",
            internal: "INGRESS_TRAFFIC_INTERNAL_ONLY",
            "internal-and-cloud-load-balancing": "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER",
        });
    });

    describe("requiredApis", () => {
        const base = [
            "run.googleapis.com",
            "artifactregistry.googleapis.com",
            "secretmanager.googleapis.com",
            "iam.googleapis.com",
            "monitoring.googleapis.com",
            "logging.googleapis.com",
        ];
        it("enables only the service's APIs without a data tier", () => {
            assert.deepStrictEqual(requiredApis({ network: false, database: false, cache: false }), base);
        });
        it("adds networking and Cloud SQL for a database", () => {
            assert.deepStrictEqual(requiredApis({ network: true, database: true, cache: false }), [
                ...base,
                "compute.googleapis.com",
                "servicenetworking.googleapis.com",
                "sqladmin.googleapis.com",
            ]);
        });
        it("adds networking and Memorystore for a cache", () => {
            assert.deepStrictEqual(requiredApis({ network: true, database: false, cache: true }), [
                ...base,
                "compute.googleapis.com",
                "servicenetworking.googleapis.com",
                "redis.googleapis.com",
            ]);
        });
    });
});
