// The shared image build: how it tags, caches and pins, on both clouds.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { RunError } from "@pulumi/pulumi/errors";
import { AwsTarget } from "../components/aws/awsTarget";
import { GcpTarget } from "../components/gcp/gcpTarget";
import { parseSettings } from "../components/settings";
import { ContainerImage, contentHash, sourceVersion } from "../components/containerImage";
import { REDACTED, computed, countingMocks, render } from "./harness";

const IMAGE = "docker:index/image:Image";

describe("ContainerImage", () => {
    describe("tags from the build context's git history", () => {
        let repo: string;
        const git = (...args: string[]): string => execFileSync("git", ["-C", repo, ...args], { encoding: "utf8" }).trim();
        const commit = (file: string, text: string, message: string): string => {
            fs.writeFileSync(path.join(repo, file), text);
            git("add", "-A");
            git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", message);
            return git("log", "-1", "--format=%h");
        };

        before(() => {
            repo = fs.mkdtempSync(path.join(os.tmpdir(), "image-src-"));
            git("init", "-q");
            fs.mkdirSync(path.join(repo, "app"));
            fs.mkdirSync(path.join(repo, "infra"));
        });
        after(() => fs.rmSync(repo, { recursive: true, force: true }));

        it("tags with the last commit that touched the context, caching from the one before", () => {
            const first = commit("app/main.py", "print(1)\n", "app v1");
            const second = commit("app/main.py", "print(2)\n", "app v2");
            assert.deepStrictEqual(sourceVersion(path.join(repo, "app")), { tag: `git-${second}`, previousTag: `git-${first}` });
        });

        it("keeps the tag when a commit touches only other directories, so nothing rebuilds or redeploys", () => {
            const before = sourceVersion(path.join(repo, "app"));
            commit("infra/stack.ts", "export {};\n", "infra only");
            assert.deepStrictEqual(sourceVersion(path.join(repo, "app")), before);
        });

        it("adds a content hash for uncommitted changes, so an immutable tag never holds two contents", () => {
            const clean = sourceVersion(path.join(repo, "app")).tag;
            fs.writeFileSync(path.join(repo, "app", "main.py"), "print(3)\n");
            const dirty = sourceVersion(path.join(repo, "app"));
            assert.match(dirty.tag, new RegExp(`^${clean}-dirty-[0-9a-f]{12}$`));
            assert.strictEqual(dirty.previousTag, clean, "the last commit's image is the cache");
            fs.writeFileSync(path.join(repo, "app", "main.py"), "print(4)\n");
            assert.notStrictEqual(sourceVersion(path.join(repo, "app")).tag, dirty.tag);
            git("checkout", "-q", "--", "app/main.py");
        });

        it("falls back to a content hash outside git", () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "image-nogit-"));
            try {
                fs.writeFileSync(path.join(dir, "main.py"), "print(1)\n");
                assert.deepStrictEqual(sourceVersion(dir), { tag: `src-${contentHash(dir)}` });
                fs.mkdirSync(path.join(dir, "__pycache__"));
                fs.writeFileSync(path.join(dir, "__pycache__", "main.cpython-311.pyc"), "x");
                assert.strictEqual(sourceVersion(dir).tag, `src-${contentHash(dir)}`);
                assert.strictEqual(contentHash(dir).length, 12);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });

    it("stops with a clear error, before building, when the build context has no Dockerfile", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "image-empty-"));
        try {
            assert.throws(
                () => new ContainerImage("x", { repository: "r", registry: { server: "s", username: "u", password: "p" }, context: dir }),
                (e: Error) => RunError.isInstance(e) && e.message.includes(`no Dockerfile in the build context "${dir}"`),
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    for (const cloud of ["aws", "gcp"] as const) {
        it(`makes the ${cloud} target stop before declaring anything when app/ has no Dockerfile`, async () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fork-without-app-"));
            const cwd = process.cwd();
            const mocks = await countingMocks("t");
            const providers: Record<string, string> = cloud === "aws" ? { "aws:region": "us-east-1" } : { "gcp:project": "acme-dev-1", "gcp:region": "europe-west1" };
            const { settings } = parseSettings({ project: { cloud }, providers, secretPaths: new Set() });
            process.chdir(dir);
            try {
                assert.throws(() => (cloud === "aws" ? new AwsTarget("app", { settings }) : new GcpTarget("app", { settings })), /no Dockerfile in the build context/);
            } finally {
                process.chdir(cwd);
                fs.rmSync(dir, { recursive: true, force: true });
            }
            assert.strictEqual(mocks.registered, 0);
        });
    }

    for (const [stack, overrides] of [
        ["prod", []],
        ["dev", []],
    ] as Array<[string, string[]]>) {
        describe(`in the ${stack} stack`, () => {
            it("builds app/ for linux/amd64, pushes to the stack's registry, and never builds on preview", async () => {
                const r = await render(stack, ...overrides);
                const image = r.one(IMAGE);
                const build = image.inputs.build as Record<string, unknown>;
                assert.strictEqual(build.context, "app");
                assert.strictEqual(build.platform, "linux/amd64");
                assert.strictEqual(image.inputs.buildOnPreview, false);
                const tag = sourceVersion("app").tag;
                assert.match(image.inputs.imageName as string, new RegExp(`:${tag.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`));
                assert.deepStrictEqual((build.args as Record<string, string>).APP_VERSION, tag, "the app reports the tag it was built from");
                assert.ok(((build.cacheFrom as { images: string[] }).images).some((i) => i.endsWith(`:${tag}`)), "caches from the registry");
            });

            it("keeps the registry credentials secret", async () => {
                const image = (await render(stack, ...overrides)).one(IMAGE);
                assert.strictEqual(image.inputs.registry, REDACTED);
            });

            it("hands the target a digest-pinned reference", async () => {
                const r = await render(stack, ...overrides);
                assert.strictEqual(r.outputs.imageRef, computed(r.one(IMAGE).name, "repoDigest"));
            });
        });
    }
});
