// Every stack file in the repository, rendered by the real program under mocks.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { DEFAULTS, KEYS, SettingsError, parseSettings } from "../components/settings";
import { readRawConfig } from "../components/stackConfig";
import { Render, applyOverride, readStackConfig, renderStack, stackNames } from "../scripts/render";
import { FIXTURES_DIR, FIXTURE_PROJECT, REDACTED, countingMocks, fixture, render, renderError } from "./harness";

describe("the repository's own stack files", () => {
    // Whatever a fork has made of them: each must render, pass the settings
    // check and preflight, and be well formed. Nothing here reads what they contain.
    for (const stack of stackNames()) {
        describe(`Pulumi.${stack}.yaml`, () => {
            const own = (): Promise<Render> => {
                const key = `own:${stack}`;
                let r = ownRenders.get(key);
                if (!r) {
                    r = renderStack({ stack });
                    ownRenders.set(key, r);
                }
                return r;
            };

            it("passes the settings check and preflight, and exports url and imageRef", async () => {
                const r = await own();
                assert.ok(r.resources.length > 0);
                assert.ok("url" in r.outputs, "every stack exports url");
                assert.ok("imageRef" in r.outputs, "every stack exports imageRef");
            });

            it("gives every resource a parent chain that ends at the top, named after its parent", async () => {
                const r = await own();
                const ids = new Set(r.resources.map((x) => `${x.type}::${x.name}`));
                for (const res of r.resources) {
                    assert.ok(res.parent === null || ids.has(res.parent), `${res.type}::${res.name} has unknown parent ${res.parent}`);
                    if (res.parent !== null) {
                        const parentName = res.parent.split("::")[1];
                        assert.ok(res.name.startsWith(parentName), `${res.type}::${res.name} should be named ${parentName}-<role>`);
                    }
                }
            });
        });
    }
});

const ownRenders = new Map<string, Promise<Render>>();

describe("stack files", () => {
    it("Pulumi.yaml declares every setting with a type and description, except the maps Pulumi cannot type", () => {
        const project = parseYaml(fs.readFileSync("Pulumi.yaml", "utf8")) as { config: Record<string, { type?: string; description?: string }> };
        const maps = ["env", "secrets", "deployments", "processes", "schedules"];
        assert.deepStrictEqual(Object.keys(project.config).sort(), Object.keys(KEYS).filter((k) => !maps.includes(k)).sort());
        for (const [key, decl] of Object.entries(project.config)) {
            assert.ok(["string", "integer", "boolean"].includes(decl.type ?? ""), `${key} has a Pulumi config type`);
            assert.ok((decl.description ?? "").length > 10, `${key} has a description`);
        }
    });

    it("Pulumi.yaml's defaults are the code's DEFAULTS, so a stack that leaves a setting out is never rejected by Pulumi", () => {
        const project = parseYaml(fs.readFileSync("Pulumi.yaml", "utf8")) as { config: Record<string, { default?: unknown }> };
        const defaults = DEFAULTS as Record<string, unknown>;
        for (const [key, decl] of Object.entries(project.config)) {
            if (key === "cloud") {
                assert.ok(!("default" in decl), "cloud is required: Pulumi itself reports a stack without it");
                continue;
            }
            // Pulumi reports a declared setting with no default as missing from every stack that leaves it out.
            assert.ok("default" in decl, `${key} needs a default in Pulumi.yaml`);
            const code = defaults[key];
            const expected = code === undefined || typeof code === "object" ? "" : String(code);
            assert.strictEqual(String(decl.default), expected, `${key}: Pulumi.yaml default must equal DEFAULTS.${key} (or "" when the code has none)`);
        }
    });

    it("treats Pulumi.yaml's defaults as unset, so they raise no warning on the other cloud", async () => {
        const dev = await render("dev");
        assert.deepStrictEqual(dev.render.warnings, []);
        const explicit = await render("dev", "natGateways=single");
        assert.deepStrictEqual(explicit.render.warnings, ["natGateways applies only to cloud aws; it is ignored on gcp"]);
    });

    it("dev runs on Google Cloud at the small size and scales to zero", async () => {
        const r = await render("dev");
        assert.strictEqual(r.settings.cloud, "gcp");
        assert.strictEqual(r.settings.size, "small");
        assert.strictEqual(r.settings.minInstances, 0);
    });

    it("prod runs on AWS at the medium size with 2 to 10 instances, protected", async () => {
        const r = await render("prod");
        assert.deepStrictEqual(
            [r.settings.cloud, r.settings.size, r.settings.minInstances, r.settings.maxInstances, r.settings.protect],
            ["aws", "medium", 2, 10, true],
        );
    });

    it("prod switches to Google Cloud with one setting plus the provider's project and region", async () => {
        const r = await render("prod", "cloud=gcp", "gcp:project=acme-prod", "gcp:region=us-central1");
        assert.strictEqual(r.settings.cloud, "gcp");
        assert.deepStrictEqual((r.settings.gcp as { region: string }).region, "us-central1");
        assert.ok(!r.types().has("aws:ecs/service:Service"));
    });

    it("redacts secret settings everywhere in the render", async () => {
        const r = await render("prod", "secrets.API_KEY=hunter2-plaintext");
        assert.ok(!r.json().includes("hunter2-plaintext"), "the secret value must not appear anywhere");
        assert.deepStrictEqual(r.settings.secrets, { API_KEY: REDACTED });
    });

    it("stops invalid settings with every problem listed", async () => {
        const e = await renderError("prod", "minInstances=0", "size=huge");
        assert.deepStrictEqual(e.problems.map((p) => p.key).sort(), ["minInstances", "size"]);
    });

    it("the program declares no resource when the settings are invalid", async () => {
        // Run index.ts itself (not the render's up-front validation) and count registrations.
        const mocks = await countingMocks("prod");
        const cfg = readStackConfig(process.cwd(), "prod", FIXTURES_DIR, FIXTURE_PROJECT);
        applyOverride(cfg, FIXTURE_PROJECT, "size=huge");
        pulumi.runtime.setAllConfig(cfg.config, [...cfg.secretKeys]);
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const program = require("../index") as () => Promise<unknown>;
        await assert.rejects(() => program(), SettingsError);
        assert.strictEqual(mocks.registered, 0);
    });

    it("applies --set overrides the way pulumi config set --path does", () => {
        const cfg = readStackConfig(process.cwd(), "prod", FIXTURES_DIR, FIXTURE_PROJECT);
        applyOverride(cfg, FIXTURE_PROJECT, "secrets.API_KEY=x");
        assert.ok(cfg.secretKeys.has(`${FIXTURE_PROJECT}:secrets`), "--set secrets.* stands for pulumi config set --secret");
        applyOverride(cfg, FIXTURE_PROJECT, "deployments.repository=acme/shop");
        applyOverride(cfg, FIXTURE_PROJECT, "env.WORKERS=4");
        applyOverride(cfg, FIXTURE_PROJECT, "env.DEBUG=false");
        applyOverride(cfg, FIXTURE_PROJECT, "deployments.paths[0]=app/**");
        applyOverride(cfg, FIXTURE_PROJECT, "deployments.paths[1]=components/**");
        assert.deepStrictEqual(JSON.parse(cfg.config[`${FIXTURE_PROJECT}:deployments`]), { repository: "acme/shop", paths: ["app/**", "components/**"] });
        assert.deepStrictEqual(JSON.parse(cfg.config[`${FIXTURE_PROJECT}:env`]), { WORKERS: 4, DEBUG: false });
        applyOverride(cfg, FIXTURE_PROJECT, "aws:region=eu-west-1");
        assert.strictEqual(cfg.config["aws:region"], "eu-west-1");
        assert.throws(() => applyOverride(cfg, FIXTURE_PROJECT, "novalue"), /--set takes key=value/);
    });

    describe("secure: values in a stack file", () => {
        let dir: string;
        const cwd = process.cwd();
        before(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "stackfile-"));
            fs.copyFileSync(path.join(cwd, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
            fs.writeFileSync(
                path.join(dir, "Pulumi.mixed.yaml"),
                [
                    "config:",
                    "  shop-api:cloud: aws",
                    "  aws:region: us-east-1",
                    "  shop-api:secrets:",
                    "    API_KEY:",
                    "      secure: v1:AAAAbm90LXJlYWwtY2lwaGVydGV4dA==",
                    "    TOKEN: clear-text-token",
                    "",
                ].join("\n"),
            );
        });
        after(() => {
            process.chdir(cwd);
            fs.rmSync(dir, { recursive: true, force: true });
        });

        it("are read as secrets the render cannot decrypt", () => {
            const cfg = readStackConfig(dir, "mixed", dir, FIXTURE_PROJECT);
            assert.ok(cfg.secretKeys.has(`${FIXTURE_PROJECT}:secrets`));
            assert.deepStrictEqual(JSON.parse(cfg.config[`${FIXTURE_PROJECT}:secrets`]), { API_KEY: REDACTED, TOKEN: "clear-text-token" });
        });

        it("catch a clear-text entry next to an encrypted one", async () => {
            const cfg = readStackConfig(dir, "mixed", dir, FIXTURE_PROJECT);
            await countingMocks("mixed");
            pulumi.runtime.setAllConfig(cfg.config, [...cfg.secretKeys]);
            process.chdir(dir);
            const rawConfig = readRawConfig(FIXTURE_PROJECT, "mixed");
            process.chdir(cwd);
            assert.deepStrictEqual([...rawConfig.secretPaths], ["secrets.API_KEY"]);
            assert.throws(() => parseSettings(rawConfig), /secrets.TOKEN: is not a secret/);
        });
    });

    it("rejects an unknown stack name with the list of stacks", async () => {
        await assert.rejects(() => renderStack(fixture("staging")), /no stack file Pulumi.staging.yaml; stacks here: dev, prod/);
    });
});
