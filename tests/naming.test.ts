// IDs built from project and stack names: within every limit, never merely
// truncated, and different for different stacks. Pure rules first, then
// whole renders of random project and stack names.
import * as assert from "assert";
import { preflight } from "../analysis/preflight";
import { RULES } from "../analysis/rules";
import { UNIQUE_IDS } from "../analysis/rules/stack";
import { uniqueId, uniqueName } from "../components/naming";
import { RenderedResource, renderStack } from "../scripts/render";
import { FIXTURES_DIR } from "./harness";

/** A small seeded generator, so a failing case can be rerun exactly. */
function prng(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
        s = (s + 0x6d2b79f5) >>> 0;
        let t = s;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}
const NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";
function randomName(next: () => number, min: number, max: number): string {
    const length = min + Math.floor(next() * (max - min + 1));
    return Array.from({ length }, () => NAME_CHARS[Math.floor(next() * NAME_CHARS.length)]).join("");
}

describe("resource IDs", () => {
    describe("uniqueId", () => {
        it("keeps an ID that is already valid and fits, so deployed stacks are not replaced", () => {
            assert.strictEqual(uniqueId(["flask-multicloud", "dev"], 63), "flask-multicloud-dev");
            assert.strictEqual(uniqueId(["flask-multicloud", "dev", "run"], 30), "flask-multicloud-dev-run");
        });

        it("shortens with a hash instead of truncating, so production-europe-west and -east differ", () => {
            const west = uniqueId(["flask-multicloud", "production-europe-west", "run"], 30);
            const east = uniqueId(["flask-multicloud", "production-europe-east", "run"], 30);
            assert.notStrictEqual(west, east);
            for (const id of [west, east]) {
                assert.ok(id.length <= 30, id);
                assert.match(id, /^flask-multicloud-produc-[0-9a-f]{6}$/);
            }
        });

        it("tells apart names that rewrite to the same text (case, dots, underscores)", () => {
            const ids = ["prod.eu", "prod-eu", "prod_eu", "Prod-EU"].map((stack) => uniqueId(["shop", stack], 63));
            assert.strictEqual(new Set(ids).size, 4, ids.join(" "));
            assert.strictEqual(ids[1], "shop-prod-eu", "the one already valid stays as it is");
        });

        it("starts with a letter even when the name does not", () => {
            assert.match(uniqueId(["1", "2"], 30), /^id-[0-9a-f]{6}$/);
            assert.match(uniqueId(["9lives", "x"], 30), /^lives-x-[0-9a-f]{6}$/);
        });

        it("keeps uppercase and underscores where the API allows them (ECS task families)", () => {
            assert.strictEqual(uniqueName(["Shop_API", "prod"], 255), "Shop_API-prod");
            assert.notStrictEqual(uniqueName(["shop", "a.b"], 255), uniqueName(["shop", "a-b"], 255));
        });

        it("holds its shape and length for a thousand random names", () => {
            const next = prng(1);
            const seen = new Map<string, string>();
            for (let i = 0; i < 1000; i++) {
                const parts = [randomName(next, 1, 40), randomName(next, 1, 60)];
                for (const max of [30, 32, 49, 63]) {
                    const id = uniqueId(parts, max);
                    assert.ok(id.length <= max && id.length >= 4, `${JSON.stringify(parts)} -> ${id}`);
                    assert.match(id, /^[a-z]([a-z0-9-]*[a-z0-9])?$/);
                    assert.ok(!id.includes("--"), id);
                }
                const id = uniqueId(parts, 30);
                const key = parts.join("-");
                assert.ok(seen.get(id) === undefined || seen.get(id) === key, `${key} and ${seen.get(id)} share ${id}`);
                seen.set(id, key);
            }
        });
    });

    describe("whole renders of random project and stack names", () => {
        // Each render costs about a tenth of a second, so a few per cloud, seeded; the pure test above covers a thousand.
        const next = prng(42);
        const cases: Array<{ project: string; stack: string; cloud: "prod" | "dev" }> = [
            { project: "flask-multicloud", stack: "production-europe-west", cloud: "dev" },
            { project: "flask-multicloud", stack: "production-europe-east", cloud: "dev" },
            { project: "other-project", stack: "dev", cloud: "dev" },
            { project: "flask-multicloud", stack: "dev", cloud: "dev" },
        ];
        for (let i = 0; i < 4; i++) {
            cases.push({ project: randomName(next, 1, 40), stack: randomName(next, 1, 60), cloud: i % 2 === 0 ? "prod" : "dev" });
        }
        const renders = new Map<string, Promise<RenderedResource[]>>();
        const renderCase = (c: (typeof cases)[number]): Promise<RenderedResource[]> => {
            const key = JSON.stringify(c);
            if (!renders.has(key)) {
                const base = { stack: c.cloud, stackDir: FIXTURES_DIR, project: c.project };
                // The stack name only names things; the fixture's contents decide the cloud.
                const named = async (): Promise<RenderedResource[]> => {
                    const overrides = c.cloud === "dev" ? ["cache=redis", "secrets.API_KEY=x"] : ["secrets.API_KEY=x"];
                    try {
                        return (await renderStack({ ...base, stackName: c.stack, overrides: [...overrides, "deployments.repository=acme/shop"] })).resources;
                    } catch (e) {
                        // Long organization + project + stack names exceed Google's OIDC subject limit: a clear error, tested in delivery.
                        if (/over Google Cloud's 127-byte limit/.test((e as Error).message)) {
                            return (await renderStack({ ...base, stackName: c.stack, overrides })).resources;
                        }
                        throw e;
                    }
                };
                renders.set(key, named());
            }
            return renders.get(key)!;
        };

        for (const c of cases) {
            it(`${c.project} / ${c.stack} (${c.cloud === "prod" ? "aws" : "gcp"}) passes preflight`, async () => {
                assert.deepStrictEqual(preflight(await renderCase(c), RULES), []);
            });
        }

        it("never gives two stacks the same ID where the cloud needs it unique", async () => {
            const owners = new Map<string, string>();
            for (const c of cases) {
                for (const r of await renderCase(c)) {
                    for (const [type, property] of UNIQUE_IDS) {
                        const value = r.type === type ? r.inputs[property] : undefined;
                        if (typeof value !== "string") {
                            continue;
                        }
                        const key = `${type}.${property}=${value}`;
                        const who = `${c.project}/${c.stack}`;
                        assert.ok(owners.get(key) === undefined || owners.get(key) === who, `${who} and ${owners.get(key)} share ${key}`);
                        owners.set(key, who);
                    }
                }
            }
            assert.ok(owners.size > 10, "the renders declared unique IDs to compare");
        });
    });
});
