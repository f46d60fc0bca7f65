// Reads this stack's config from the Pulumi runtime and hands it to the pure
// `parseSettings`. The only place the program touches `pulumi.Config`.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { PROVIDER_KEYS, RawConfig, Settings, parseSettings } from "./settings";

// Exported by the SDK at run time, but marked internal in its typings.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };

/** Builds the raw config for `parseSettings` from the running program's config. */
export function readRawConfig(project = pulumi.getProject(), stack = pulumi.getStack()): RawConfig {
    const all = pulumi.runtime.allConfig();
    const prefix = `${project}:`;
    const values: Record<string, string> = {};
    for (const [key, value] of Object.entries(all)) {
        if (key.startsWith(prefix)) {
            values[key.slice(prefix.length)] = value;
        }
    }
    const providers: Record<string, string> = {};
    for (const key of PROVIDER_KEYS) {
        if (all[key] !== undefined) {
            providers[key] = all[key];
        }
    }
    return { project: values, providers, secretPaths: secretLeafPaths(values.secrets, isConfigSecret(`${prefix}secrets`), project, stack) };
}

/**
 * Which `secrets.*` entries are encrypted. Pulumi marks the whole `secrets`
 * key secret as soon as one entry is, so when the stack file is at hand its
 * `secure:` markers decide entry by entry; a clear-text entry next to an
 * encrypted one is still caught.
 */
function secretLeafPaths(rawSecrets: string | undefined, keyIsSecret: boolean, project: string, stack: string): Set<string> {
    const paths = new Set<string>();
    if (rawSecrets === undefined || !keyIsSecret) {
        return paths;
    }
    let names: string[] = [];
    try {
        names = Object.keys(JSON.parse(rawSecrets) as object);
    } catch {
        return paths; // parseSettings reports the malformed value
    }
    const fromFile = stackFileSecrets(project, stack);
    for (const name of names) {
        if (fromFile === undefined || fromFile[name] === undefined || isSecure(fromFile[name])) {
            paths.add(`secrets.${name}`);
        }
    }
    return paths;
}

/** Set by the offline render when its stack files are not in the project directory (tests' fixtures). */
export const STACK_DIR_ENV = "FLASK_MULTICLOUD_STACK_DIR";

function stackFileSecrets(project: string, stack: string): Record<string, unknown> | undefined {
    const file = path.join(process.env[STACK_DIR_ENV] ?? process.cwd(), `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        return undefined;
    }
    const doc = parseYaml(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
    const secrets = doc?.config?.[`${project}:secrets`] ?? doc?.config?.secrets;
    return secrets !== null && typeof secrets === "object" ? (secrets as Record<string, unknown>) : undefined;
}

function isSecure(value: unknown): boolean {
    return value !== null && typeof value === "object" && "secure" in value;
}

/** Reads, validates and returns the stack's settings; warns about settings the chosen cloud ignores. */
export function loadSettings(): Settings {
    const { settings, warnings } = parseSettings(readRawConfig());
    for (const warning of warnings) {
        pulumi.log.warn(warning);
    }
    return settings;
}
