// Shared test helpers: render a stack in-process under mocks and query what it declared.
import * as assert from "assert";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { SettingsError } from "../components/settings";
import { Render, RenderedResource, renderStack } from "../scripts/render";

export { computed, MOCK_ACCOUNT_ID } from "../scripts/mocks";
export { REDACTED, UNKNOWN } from "../scripts/render";

/** A rendered stack with lookups by type token and name. */
export class Rendered {
    constructor(readonly render: Render) {}

    get resources(): RenderedResource[] {
        return this.render.resources;
    }
    get outputs(): Record<string, unknown> {
        return this.render.outputs;
    }
    get settings(): Record<string, unknown> {
        return this.render.settings as Record<string, unknown>;
    }

    /** Every resource of a type (e.g. `aws:ecs/service:Service`). */
    all(type: string): RenderedResource[] {
        return this.resources.filter((r) => r.type === type);
    }

    /** The one resource of a type (optionally with this name); fails the test otherwise. */
    one(type: string, name?: string): RenderedResource {
        const found = this.all(type).filter((r) => name === undefined || r.name === name);
        assert.strictEqual(found.length, 1, `expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`);
        return found[0];
    }

    has(type: string): boolean {
        return this.all(type).length > 0;
    }

    /** Types declared, for "none of these exist" assertions. */
    types(): Set<string> {
        return new Set(this.resources.map((r) => r.type));
    }

    /** The whole render as one JSON string, for "this never appears" assertions. */
    json(): string {
        return JSON.stringify(this.render);
    }
}

/**
 * The tests' own stacks and project name. Tests never read the repository's
 * stack files or its project name: a fork edits those first.
 * - `prod`: AWS Fargate, medium, 2 to 10 tasks, PostgreSQL and Redis, protected.
 * - `dev`: Cloud Run, small, scales to zero, shared-core Cloud SQL, unprotected.
 */
export const FIXTURES_DIR = path.join(__dirname, "fixtures");
export const FIXTURE_PROJECT = "shop-api";

const cache = new Map<string, Promise<Rendered>>();

/**
 * Renders the fixture `tests/fixtures/Pulumi.<stack>.yaml` with `key=value`
 * overrides, under the fixture project name. Every render has passed the
 * settings check and preflight, or this rejects. Renders are memoized per
 * (stack, overrides): the program is deterministic, and tests only read the
 * result.
 */
export function render(stack: string, ...overrides: string[]): Promise<Rendered> {
    const key = JSON.stringify([stack, overrides]);
    let r = cache.get(key);
    if (!r) {
        r = renderStack(fixture(stack, overrides)).then((x) => new Rendered(x));
        cache.set(key, r);
    }
    return r;
}

/** Render options for a fixture stack. */
export function fixture(stack: string, overrides: readonly string[] = [], procfile = PROCFILES.web): { stack: string; overrides: readonly string[]; stackDir: string; project: string; procfile: string } {
    return { stack, overrides, stackDir: FIXTURES_DIR, project: FIXTURE_PROJECT, procfile };
}

/**
 * The tests' Procfiles: `web` only (what every fixture render uses), and the
 * example app's web, release and worker (tests/processes*.test.ts).
 */
export const PROCFILES = {
    web: path.join(FIXTURES_DIR, "Procfile.web"),
    all: path.join(FIXTURES_DIR, "Procfile.all"),
} as const;

const procfileCache = new Map<string, Promise<Rendered>>();

/** As `render`, with one of the tests' Procfiles instead of the web-only one. */
export function renderProcfile(procfile: string, stack: string, ...overrides: string[]): Promise<Rendered> {
    const key = JSON.stringify([procfile, stack, overrides]);
    let r = procfileCache.get(key);
    if (!r) {
        r = renderStack(fixture(stack, overrides, procfile)).then((x) => new Rendered(x));
        procfileCache.set(key, r);
    }
    return r;
}

/** Renders and expects invalid settings; returns the error. */
export async function renderError(stack: string, ...overrides: string[]): Promise<SettingsError> {
    try {
        await renderStack(fixture(stack, overrides));
    } catch (e) {
        if (e instanceof SettingsError) {
            return e;
        }
        throw e;
    }
    throw new assert.AssertionError({ message: `expected ${stack} with ${overrides.join(" ")} to be rejected` });
}

/** Parses a JSON-string input (IAM policies, container definitions). */
export function parseJson<T = unknown>(value: unknown): T {
    assert.strictEqual(typeof value, "string", `expected a JSON string, got ${JSON.stringify(value)}`);
    return JSON.parse(value as string) as T;
}

/**
 * Plain mocks that echo inputs and count registrations, for tests that run a
 * piece of the program outside a render (e.g. to prove nothing is declared).
 */
export async function countingMocks(stack: string): Promise<{ readonly registered: number }> {
    const counter = { registered: 0 };
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                counter.registered++;
                return { id: "x", state: args.inputs };
            },
            call: () => ({}),
        },
        FIXTURE_PROJECT,
        stack,
        true,
    );
    return counter;
}
