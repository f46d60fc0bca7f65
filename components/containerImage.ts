// The one image build every target shares: builds the app for linux/amd64,
// pushes it to the registry the target hands in, and exposes a digest-pinned
// reference so a new build always rolls out and an unchanged one never does.
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

/** Where to push, with credentials the provider issues at deploy time (never from a stack file). */
export interface RegistryAccess {
    /** Registry host, e.g. `123456789012.dkr.ecr.us-east-1.amazonaws.com` or `europe-west1-docker.pkg.dev`. */
    readonly server: pulumi.Input<string>;
    readonly username: pulumi.Input<string>;
    /** A short-lived token; treated as a secret. */
    readonly password: pulumi.Input<string>;
}

export interface ContainerImageArgs {
    /** Repository address without a tag, e.g. `<server>/app`. */
    readonly repository: pulumi.Input<string>;
    readonly registry: RegistryAccess;
    /** Build context directory. @default DEFAULT_CONTEXT ("app") */
    readonly context?: string;
    /** Target platform: Fargate x86 and Cloud Run both run linux/amd64. @default "linux/amd64" */
    readonly platform?: string;
    /**
     * A digest-pinned image built elsewhere (`repo@sha256:...`, the `image`
     * setting): nothing is built or pushed, and this is what targets deploy.
     * @default none (build the context)
     */
    readonly prebuilt?: string;
}


/** The version a build context is at, from git where possible. */
export interface SourceVersion {
    /** Image tag: `git-<sha>`, `git-<sha>-dirty-<hash>`, or `src-<hash>` outside git. */
    readonly tag: string;
    /** The tag of the previous version, used as build cache; undefined when unknown. */
    readonly previousTag?: string;
}

/**
 * The tag for a build context: the last commit that touched it, so commits
 * elsewhere in the repository do not rebuild or redeploy the app; uncommitted
 * changes add a hash of the files so an immutable tag is never reused for
 * different content.
 */
export function sourceVersion(context: string): SourceVersion {
    const git = (...args: string[]): string | undefined => {
        try {
            return execFileSync("git", ["-C", context, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
        } catch {
            return undefined;
        }
    };
    const commits = (git("log", "-2", "--format=%h", "--", ".") ?? "").split("\n").filter((c) => c !== "");
    if (commits.length === 0) {
        return { tag: `src-${contentHash(context)}` };
    }
    const dirty = (git("status", "--porcelain", "--", ".") ?? "") !== "";
    return {
        tag: dirty ? `git-${commits[0]}-dirty-${contentHash(context)}` : `git-${commits[0]}`,
        previousTag: dirty ? `git-${commits[0]}` : commits[1] ? `git-${commits[1]}` : undefined,
    };
}

/** A short hash of every file under `dir` (names and contents), skipping caches. */
export function contentHash(dir: string): string {
    const hash = crypto.createHash("sha256");
    const walk = (d: string): void => {
        for (const entry of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
            if (entry.name === "__pycache__" || entry.name === ".pytest_cache" || entry.name.endsWith(".pyc")) {
                continue;
            }
            const full = path.join(d, entry.name);
            if (entry.isDirectory()) {
                walk(full);
            } else if (entry.isFile()) {
                hash.update(path.relative(dir, full)).update("\0").update(fs.readFileSync(full)).update("\0");
            }
        }
    };
    walk(dir);
    return hash.digest("hex").slice(0, 12);
}

/** The service every target deploys. */
export const DEFAULT_CONTEXT = "app";

/**
 * Stops the program, without a stack trace, when the build context has no
 * Dockerfile (app/ replaced or moved). Targets call it before declaring
 * anything, so a broken fork fails before any resource exists.
 */
export function checkBuildContext(context: string = DEFAULT_CONTEXT): void {
    if (!fs.existsSync(path.join(context, "Dockerfile"))) {
        throw new pulumi.RunError(`ContainerImage: no Dockerfile in the build context "${path.resolve(context)}"; the service to deploy must be a directory with a Dockerfile (see app/)`);
    }
}

const versions = new Map<string, SourceVersion>();

/**
 * `sourceVersion`, asked of git once per context and process: one `pulumi up`
 * is one process, and the offline render's many renders share the answer.
 */
function cachedSourceVersion(context: string): SourceVersion {
    const key = path.resolve(context);
    let version = versions.get(key);
    if (version === undefined) {
        version = sourceVersion(context);
        versions.set(key, version);
    }
    return version;
}

export class ContainerImage extends pulumi.ComponentResource {
    /** Digest-pinned reference, `repository@sha256:...`: what targets deploy. */
    readonly ref: pulumi.Output<string>;
    /** The tag pushed, for people reading the registry. */
    readonly tag: string;

    constructor(name: string, args: ContainerImageArgs, opts?: pulumi.ComponentResourceOptions) {
        const context = args.context ?? DEFAULT_CONTEXT;
        if (args.prebuilt === undefined) {
            checkBuildContext(context);
        }
        super("flask-multicloud:index:ContainerImage", name, {}, opts);
        if (args.prebuilt !== undefined) {
            // Built once elsewhere (CI, or the stack that ran it first): deploy exactly that digest.
            this.tag = args.prebuilt.split("@")[0];
            this.ref = pulumi.output(args.prebuilt);
            this.registerOutputs({ ref: this.ref, tag: this.tag });
            return;
        }
        const version = cachedSourceVersion(context);
        this.tag = version.tag;

        const cacheFrom = [version.tag, version.previousTag]
            .filter((t): t is string => t !== undefined)
            .map((t) => pulumi.interpolate`${args.repository}:${t}`);

        const image = new docker.Image(
            `${name}-image`,
            {
                imageName: pulumi.interpolate`${args.repository}:${version.tag}`,
                build: {
                    context, // the Dockerfile is the context's own
                    platform: args.platform ?? "linux/amd64",
                    // Inline cache metadata lets the next build reuse these layers from the registry.
                    args: { BUILDKIT_INLINE_CACHE: "1", APP_VERSION: version.tag },
                    cacheFrom: { images: cacheFrom },
                },
                registry: {
                    server: args.registry.server,
                    username: args.registry.username,
                    password: pulumi.secret(args.registry.password),
                },
                // Pull-request previews stay fast and need no Docker engine; `pulumi up` builds.
                buildOnPreview: false,
            },
            { parent: this },
        );

        this.ref = image.repoDigest;
        this.registerOutputs({ ref: this.ref, tag: this.tag });
    }
}
