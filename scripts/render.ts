// The offline render: runs the real program for one stack file, with
// overrides, under Pulumi's mocks, and returns what it would declare. No
// credentials, no Pulumi CLI, no network. Used by `npm run plan` and the tests.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { PreflightError, preflight } from "../analysis/preflight";
import { RULES } from "../analysis/rules";
import { formatProblems, parseSettings } from "../components/settings";
import { PROCFILE_ENV } from "../components/procfile";
import { STACK_DIR_ENV, readRawConfig } from "../components/stackConfig";
import { mocks } from "./mocks";

/** What secret values are replaced with in every rendered document. */
export const REDACTED = "[secret]";
/** What a value the program cannot know before deploying is shown as. */
export const UNKNOWN = "<unknown>";
/** The organization renders run under (Pulumi Cloud's would be yours). */
export const RENDER_ORG = "organization";

export interface RenderedResource {
    /** Pulumi type token, e.g. `aws:ecs/service:Service`. */
    readonly type: string;
    readonly name: string;
    /** The parent's `type::name`, or null at the top. */
    readonly parent: string | null;
    /** The inputs the program passed, secrets redacted. */
    readonly inputs: Record<string, unknown>;
    /** `type::name` of every resource this one waits for (explicit dependsOn and input dependencies). */
    readonly dependsOn?: string[];
}

export interface Render {
    readonly stack: string;
    readonly project: string;
    readonly settings: unknown;
    readonly resources: RenderedResource[];
    readonly outputs: Record<string, unknown>;
    readonly warnings: string[];
}

export interface RenderOptions {
    readonly stack: string;
    /** `key=value` overrides, as `pulumi config set [--path]` takes them; `secrets.*` are set as secrets. */
    readonly overrides?: readonly string[];
    /** Project directory: Pulumi.yaml, index.ts and the build context. @default the repository root */
    readonly root?: string;
    /** Where `Pulumi.<stack>.yaml` is read from (tests keep their own fixtures). @default `root` */
    readonly stackDir?: string;
    /** The stack name to render under, when it differs from the stack file's (tests render one fixture under many names). @default `stack` */
    readonly stackName?: string;
    /** The project name to render under. @default Pulumi.yaml's `name` */
    readonly project?: string;
    /** The Procfile to read instead of the build context's (tests keep their own). @default `<root>/app/Procfile` */
    readonly procfile?: string;
    /** The apply-time rules to check. @default every rule in analysis/rules */
    readonly rules?: Parameters<typeof preflight>[1];
}

/** A user error in the render's own arguments (unknown stack, malformed --set). */
export class RenderUsageError extends Error {}

interface StackConfig {
    project: string;
    config: Record<string, string>;
    secretKeys: Set<string>;
}

const ROOT = path.resolve(__dirname, "..");

interface ProjectFile {
    readonly name: string;
    readonly config?: Record<string, unknown>;
}

function readProjectFile(root: string): ProjectFile {
    return parseYaml(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as ProjectFile;
}

/** A config key as the runtime sees it: project keys get the project's namespace. */
function qualify(project: string, rawKey: string): string {
    return rawKey.includes(":") ? rawKey : `${project}:${rawKey}`;
}

export function stackNames(root = ROOT): string[] {
    return fs
        .readdirSync(root)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/**
 * Reads `Pulumi.<stack>.yaml` from `stackDir`, with the defaults of `root`'s
 * Pulumi.yaml, into the flat config map the Pulumi runtime uses.
 */
export function readStackConfig(root: string, stack: string, stackDir = root, projectName?: string): StackConfig {
    const file = path.join(stackDir, `Pulumi.${stack}.yaml`);
    if (!/^[A-Za-z0-9._-]+$/.test(stack) || !fs.existsSync(file)) {
        throw new RenderUsageError(`no stack file Pulumi.${stack}.yaml; stacks here: ${stackNames(stackDir).join(", ")}`);
    }
    const projectFile = { ...readProjectFile(root), ...(projectName ? { name: projectName } : {}) };
    const project = projectFile.name;
    const doc = (parseYaml(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    const config: Record<string, string> = {};
    const secretKeys = new Set<string>();
    for (const [rawKey, value] of Object.entries(doc.config ?? {})) {
        const key = qualify(project, rawKey);
        let sawSecret = false;
        // Encrypted values cannot be decrypted offline; they stand in as a placeholder.
        const plain = mapSecure(value, () => {
            sawSecret = true;
            return REDACTED;
        });
        config[key] = typeof plain === "string" ? plain : typeof plain === "object" && plain !== null ? JSON.stringify(plain) : String(plain);
        if (sawSecret) {
            secretKeys.add(key);
        }
    }
    applyProjectDefaults(projectFile, config);
    return { project, config, secretKeys };
}

/** As Pulumi does: every setting Pulumi.yaml declares with a default, and the stack leaves out, gets that default. */
function applyProjectDefaults(projectFile: ProjectFile, config: Record<string, string>): void {
    for (const [rawKey, decl] of Object.entries(projectFile.config ?? {})) {
        const key = qualify(projectFile.name, rawKey);
        const fallback = decl !== null && typeof decl === "object" && "default" in decl ? (decl as { default?: unknown }).default : undefined;
        if (config[key] === undefined && fallback !== undefined && fallback !== null) {
            config[key] = String(fallback);
        }
    }
}

function mapSecure(value: unknown, onSecure: () => string): unknown {
    if (value !== null && typeof value === "object") {
        if (!Array.isArray(value) && "secure" in value) {
            return onSecure();
        }
        if (Array.isArray(value)) {
            return value.map((v) => mapSecure(v, onSecure));
        }
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapSecure(v, onSecure)]));
    }
    return value;
}

/** Applies one `key=value` override, `pulumi config set --path` style. */
export function applyOverride(cfg: StackConfig, project: string, override: string): void {
    const eq = override.indexOf("=");
    if (eq <= 0) {
        throw new RenderUsageError(`--set takes key=value, got "${override}"`);
    }
    const rawKey = override.slice(0, eq);
    const value = override.slice(eq + 1);
    const namespaced = /^([A-Za-z0-9_-]+):(.+)$/.exec(rawKey);
    const namespace = namespaced ? namespaced[1] : project;
    const keyPath = namespaced ? namespaced[2] : rawKey;
    // Path segments: names (a.b) and list indexes (a[0]), as pulumi config set --path reads them.
    const segments: Array<string | number> = [...keyPath.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]));
    if (segments.length === 0 || typeof segments[0] !== "string") {
        throw new RenderUsageError(`--set needs a key name first: "${override}"`);
    }
    const top = `${namespace}:${segments[0]}`;
    if (namespace === project && segments[0] === "secrets") {
        cfg.secretKeys.add(top);
    }
    if (segments.length === 1) {
        cfg.config[top] = value;
        return;
    }
    const emptyFor = (seg: string | number): Record<string, unknown> | unknown[] => (typeof seg === "number" ? [] : {});
    let root: Record<string | number, unknown> = emptyFor(segments[1]) as Record<string | number, unknown>;
    if (cfg.config[top] !== undefined) {
        try {
            root = JSON.parse(cfg.config[top]) as Record<string | number, unknown>;
        } catch {
            throw new RenderUsageError(`--set ${rawKey}: ${top} is not a structured value`);
        }
    }
    let node = root;
    for (let i = 1; i < segments.length - 1; i++) {
        const seg = segments[i];
        if (node[seg] === null || typeof node[seg] !== "object") {
            node[seg] = emptyFor(segments[i + 1]);
        }
        node = node[seg] as Record<string | number, unknown>;
    }
    // As `pulumi config set --path` does: true/false become booleans and integers numbers below the top level.
    node[segments[segments.length - 1]] = value === "true" ? true : value === "false" ? false : /^-?\d+$/.test(value) ? Number(value) : value;
    cfg.config[top] = JSON.stringify(root);
}

/** Replaces secrets with the redaction marker and unknowns with the unknown marker, recursively. */
export function redact(value: unknown): unknown {
    if (pulumi.isUnknown(value)) {
        return UNKNOWN;
    }
    if (value === null || typeof value !== "object") {
        return value;
    }
    if (isRpcSecret(value)) {
        return REDACTED;
    }
    if (pulumi.Resource.isInstance(value)) {
        return "<resource>";
    }
    if (Array.isArray(value)) {
        return value.map(redact);
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v)]));
}

function isRpcSecret(value: object): boolean {
    const v = value as Record<string, unknown>;
    return v[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig;
}

/** Resolves a stack output for display: secret -> marker, unknown -> marker. */
async function resolveOutput(value: unknown): Promise<unknown> {
    if (pulumi.Output.isInstance(value)) {
        const o = value as unknown as { promise(withUnknowns: boolean): Promise<unknown>; isKnown: Promise<boolean>; isSecret: Promise<boolean> };
        const [v, known, secret] = await Promise.all([o.promise(true), o.isKnown, o.isSecret]);
        if (secret) {
            return REDACTED;
        }
        if (!known && (v === undefined || pulumi.isUnknown(v))) {
            return UNKNOWN;
        }
        return resolveOutput(v);
    }
    if (pulumi.isUnknown(value)) {
        return UNKNOWN;
    }
    if (value instanceof Promise) {
        return resolveOutput(await value);
    }
    if (value !== null && typeof value === "object" && !pulumi.Resource.isInstance(value)) {
        const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolveOutput(v)] as const));
        return Array.isArray(value) ? entries.map(([, v]) => v) : Object.fromEntries(entries);
    }
    return value;
}

type Program = () => Promise<Record<string, unknown>> | Record<string, unknown>;

/**
 * Renders one stack. Throws `SettingsError` for invalid settings (before any
 * resource is declared), `PreflightError` when a declared resource breaks an
 * apply-time rule, and `RenderUsageError` for a bad stack name or override.
 */
export async function renderStack(opts: RenderOptions): Promise<Render> {
    const root = opts.root ?? ROOT;
    const stackDir = opts.stackDir ?? root;
    const cfg = readStackConfig(root, opts.stack, stackDir, opts.project);
    const project = cfg.project;
    for (const o of opts.overrides ?? []) {
        applyOverride(cfg, project, o);
    }

    const stackName = opts.stackName ?? opts.stack;
    await pulumi.runtime.setMocks(mocks, project, stackName, true, RENDER_ORG);
    pulumi.runtime.setAllConfig(cfg.config, [...cfg.secretKeys]);
    quietPromiseStacks();

    // Validate first: a settings error must surface before any resource exists.
    const cwd = process.cwd();
    const restoreEnv = setEnv({ [STACK_DIR_ENV]: path.resolve(stackDir), [PROCFILE_ENV]: opts.procfile === undefined ? undefined : path.resolve(opts.procfile) });
    process.chdir(root);
    try {
        const { settings, warnings } = parseSettings(readRawConfig(project, stackName));
        const records = captureRegistrations();
        const program = loadProgram(root);
        const exported = await program();
        const outputs = (await resolveOutput(exported ?? {})) as Record<string, unknown>;
        await pulumi.runtime.disconnect();
        const resources = records.list();
        // Apply-time rules fail a render the way invalid settings do.
        const violations = preflight(resources, opts.rules ?? RULES);
        if (violations.length > 0) {
            throw new PreflightError(violations);
        }
        return {
            stack: stackName,
            project,
            settings: JSON.parse(JSON.stringify(settings)) as unknown,
            resources,
            outputs,
            warnings: [...warnings],
        };
    } finally {
        process.chdir(cwd);
        restoreEnv();
    }
}

/** Sets environment variables (an undefined value leaves one as it is) and returns what puts them all back. */
export function setEnv(vars: Readonly<Record<string, string | undefined>>): () => void {
    const before = Object.entries(vars).map(([name]) => [name, process.env[name]] as const);
    for (const [name, value] of Object.entries(vars)) {
        if (value !== undefined) {
            process.env[name] = value;
        }
    }
    return () => {
        for (const [name, value] of before) {
            if (value === undefined) {
                delete process.env[name];
            } else {
                process.env[name] = value;
            }
        }
    };
}

let promiseStacksQuieted = false;

/**
 * Pulumi's SDK captures a stack trace for every internal promise, read only
 * when PULUMI_DEBUG_PROMISE_LEAKS is set; with the TypeScript loader's source
 * maps, that formatting was three quarters of a render's time (440 -> 120 ms for prod).
 * The render skips the capture unless that variable asks for it; leak
 * tracking itself and every real error's stack are unchanged.
 */
function quietPromiseStacks(): void {
    if (promiseStacksQuieted || process.env.PULUMI_DEBUG_PROMISE_LEAKS) {
        return;
    }
    promiseStacksQuieted = true;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise?: (p: Promise<unknown>, ctx: unknown) => Promise<unknown> };
    const original = debuggable.debuggablePromise;
    if (typeof original !== "function") {
        return; // the SDK changed; renders are slower, not wrong
    }
    debuggable.debuggablePromise = (p, ctx) => {
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        try {
            return original(p, ctx);
        } finally {
            Error.stackTraceLimit = limit;
        }
    };
}

function loadProgram(root: string): Program {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path.join(root, "index.ts")) as Program | { default: Program };
    return typeof mod === "function" ? mod : mod.default;
}

interface Registration {
    type: string;
    name: string;
    parentUrn: string;
    inputs: Record<string, unknown>;
    dependencyUrns: string[];
}

/** Wraps the mock monitor so each registration's parent is recorded alongside its inputs. */
function captureRegistrations(): { list(): RenderedResource[] } {
    type Req = {
        getType(): string;
        getName(): string;
        getParent(): string;
        getDependenciesList(): string[];
        getObject(): Parameters<typeof pulumi.runtime.deserializeProperties>[0];
    };
    type Resp = { getUrn(): string } | undefined;
    const monitor = pulumi.runtime.getMonitor() as unknown as {
        registerResource(req: Req, cb: (err: unknown, resp: Resp) => void): void;
    };
    const byUrn = new Map<string, Registration>();
    const order: string[] = [];
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, cb) => {
        const inputs = pulumi.runtime.deserializeProperties(req.getObject()) as Record<string, unknown>;
        if (typeof inputs.__provider === "string") {
            // A dynamic resource's serialized provider: kilobytes of generated code, not a setting anyone reviews.
            inputs.__provider = "<dynamic provider code>";
        }
        original(req, (err, resp) => {
            if (resp) {
                const urn = resp.getUrn();
                byUrn.set(urn, { type: req.getType(), name: req.getName(), parentUrn: req.getParent(), inputs, dependencyUrns: req.getDependenciesList() });
                order.push(urn);
            }
            cb(err, resp);
        });
    };
    return {
        list: () =>
            order.map((urn) => {
                const r = byUrn.get(urn)!;
                const id = (u: string): string | undefined => {
                    const x = byUrn.get(u);
                    return x ? `${x.type}::${x.name}` : undefined;
                };
                const dependsOn = [...new Set(r.dependencyUrns.map(id).filter((d): d is string => d !== undefined))].sort();
                return { type: r.type, name: r.name, parent: id(r.parentUrn) ?? null, inputs: redact(r.inputs) as Record<string, unknown>, dependsOn };
            }),
    };
}

export { formatProblems };
