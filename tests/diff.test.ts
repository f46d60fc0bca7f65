// The offline diff a pull request shows first, on small made-up renders.
import * as assert from "assert";
import { RenderDoc, diffAll, diffRenders, diffValues, formatMarkdown, summaryLine } from "../scripts/diff";

const bucket = (name: string, inputs: Record<string, unknown> = {}, parent: string | null = "my:component:Thing::app") => ({ type: "aws:s3/bucket:Bucket", name, parent, inputs });

function doc(stack: string, resources: RenderDoc["resources"], extra: Partial<RenderDoc> = {}): RenderDoc {
    return { stack, project: "p", settings: { minInstances: 1 }, resources, outputs: { url: "https://x" }, ...extra };
}

describe("offline render diff", () => {
    it("reports no changes for identical renders", () => {
        const r = doc("prod", [bucket("a", { acl: "private" })]);
        const d = diffRenders(r, JSON.parse(JSON.stringify(r)) as RenderDoc);
        assert.strictEqual(d.status, "unchanged");
        assert.deepStrictEqual([d.added, d.removed, d.changed, d.settings, d.outputs], [[], [], [], [], []]);
        assert.strictEqual(summaryLine(d), "no changes");
        assert.match(formatMarkdown([d]), /#### `prod`: no changes/);
    });

    it("finds added, removed and changed resources by type, name and parent", () => {
        const base = doc("prod", [bucket("kept", { acl: "private" }), bucket("edited", { acl: "private", tags: { team: "a" } }), bucket("dropped")]);
        const head = doc("prod", [bucket("kept", { acl: "private" }), bucket("edited", { acl: "public-read", tags: { team: "a", env: "prod" } }), bucket("new")]);
        const d = diffRenders(base, head);
        assert.strictEqual(d.status, "changed");
        assert.deepStrictEqual(d.added.map((r) => r.name), ["new"]);
        assert.deepStrictEqual(d.removed.map((r) => r.name), ["dropped"]);
        assert.deepStrictEqual(d.changed.map((r) => r.name), ["edited"]);
        assert.deepStrictEqual(d.changed[0].changes, [
            { path: "acl", before: "private", after: "public-read" },
            { path: "tags.env", after: "prod" },
        ]);
        assert.strictEqual(summaryLine(d), "1 to add, 1 to change, 1 to remove");
    });

    it("treats the same name under another parent as a different resource", () => {
        const d = diffRenders(doc("prod", [bucket("logs", {}, "x:y:A::one")]), doc("prod", [bucket("logs", {}, "x:y:A::two")]));
        assert.deepStrictEqual([d.added.length, d.removed.length, d.changed.length], [1, 1, 0]);
    });

    it("looks inside JSON-string inputs such as IAM policies", () => {
        const policy = (action: string) => JSON.stringify({ Statement: [{ Effect: "Allow", Action: action }] });
        const d = diffRenders(doc("prod", [bucket("b", { policy: policy("s3:GetObject") })]), doc("prod", [bucket("b", { policy: policy("s3:*") })]));
        assert.deepStrictEqual(d.changed[0].changes, [{ path: "policy.Statement[0].Action", before: "s3:GetObject", after: "s3:*" }]);
    });

    it("reports changed settings and outputs alongside resources", () => {
        const d = diffRenders(doc("prod", []), doc("prod", [], { settings: { minInstances: 2 }, outputs: { url: "https://y" } }));
        assert.deepStrictEqual(d.settings, [{ path: "minInstances", before: 1, after: 2 }]);
        assert.deepStrictEqual(d.outputs, [{ path: "url", before: "https://x", after: "https://y" }]);
        assert.strictEqual(d.status, "changed");
    });

    it("shows a stack that only the pull request has as all additions, and one it deletes as all removals", () => {
        const [fresh, gone] = diffAll([doc("old", [bucket("a")])], [doc("new", [bucket("a"), bucket("b")])]);
        assert.deepStrictEqual([fresh.stack, fresh.status, fresh.added.length], ["new", "new", 2]);
        assert.deepStrictEqual([gone.stack, gone.status, gone.removed.length], ["old", "gone", 1]);
        assert.match(summaryLine(fresh), /^new stack: 2 to add/);
    });

    it("shows a failed render instead of a diff", () => {
        const d = diffRenders(doc("prod", []), { stack: "prod", error: "Invalid stack settings (1 problem):\n  - size = \"huge\": allowed: small" });
        assert.strictEqual(d.status, "failed");
        const md = formatMarkdown([d]);
        assert.match(md, /render failed on the pull request/);
        assert.match(md, /size = "huge"/);
    });

    it("lists every path that differs, including array growth", () => {
        assert.deepStrictEqual(diffValues({ a: [1, 2] }, { a: [1, 2, 3] }), [{ path: "a[2]", after: 3 }]);
        assert.deepStrictEqual(diffValues({ "odd key": 1 }, {}), [{ path: '"odd key"', before: 1 }]);
    });

    it("writes markdown with a marker, a table row per stack and the changed paths", () => {
        const base = doc("dev", [bucket("edited", { acl: "private" })]);
        const head = doc("dev", [bucket("edited", { acl: "[secret]" }), bucket("new")]);
        const md = formatMarkdown(diffAll([base, doc("prod", [])], [head, doc("prod", [])]), { marker: "<!-- m -->" });
        assert.ok(md.startsWith("<!-- m -->\n"));
        assert.match(md, /\| `dev` \| 1 \| 1 \| 0 \| [^|]+ \| 1 to add, 1 to change, 0 to remove \|/);
        assert.match(md, /\| `prod` \| 0 \| 0 \| 0 \| [^|]+ \| no changes \|/);
        assert.match(md, /- `aws:s3\/bucket:Bucket` \*\*new\*\* \(in `app`\)/);
        assert.match(md, /  - `acl`: `private` → `\[secret\]`/);
    });

    it("cuts a diff too long for a GitHub comment and says so", () => {
        const many = Array.from({ length: 400 }, (_, i) => bucket(`bucket-${i}`));
        const md = formatMarkdown([diffRenders(doc("prod", []), doc("prod", many))], { maxLength: 2000 });
        assert.ok(md.length <= 2000);
        assert.match(md, /cut to fit a GitHub comment/);
    });
});

describe("offline render diff: monthly estimate", () => {
    const secret = (name: string) => ({ type: "aws:secretsmanager/secret:Secret", name, parent: null, inputs: {} });
    const settings = { cloud: "aws", aws: { region: "us-east-1" } };

    it("shows base, head and the difference from each render's cost", () => {
        const base = doc("prod", [secret("a")], { settings, cost: { monthlyTotal: 182.1, unpriced: [] } });
        const head = doc("prod", [secret("a")], { settings, cost: { monthlyTotal: 108.4, unpriced: [] } });
        const d = diffRenders(base, head);
        assert.deepStrictEqual(d.cost, { base: 182.1, head: 108.4, delta: -73.7 });
        assert.match(formatMarkdown([d]), /\| `prod` \| 0 \| 0 \| 0 \| \$182\.10 → \$108\.40 \(−\$73\.70\) \|/);
    });

    it("estimates a base render that predates the estimate from its resources, and says so", () => {
        const base = doc("prod", [secret("a")], { settings });
        const head = doc("prod", [secret("a"), secret("b")], { settings, cost: { monthlyTotal: 0.8, unpriced: [] } });
        const d = diffRenders(base, head);
        assert.deepStrictEqual(d.cost, { base: 0.4, head: 0.8, delta: 0.4, baseRecomputed: true });
        const md = formatMarkdown([d]);
        assert.match(md, /\$0\.40 → \$0\.80 \(\+\$0\.40\)/);
        assert.match(md, /The base render of `prod` carried no estimate; it was estimated here/);
    });

    it("shows n/a for a side without a render", () => {
        const d = diffRenders(undefined, doc("dev", [], { settings, cost: { monthlyTotal: 10.33, unpriced: [] } }));
        assert.deepStrictEqual(d.cost, { head: 10.33 });
        assert.match(formatMarkdown([d]), /n\/a → \$10\.33/);
    });
});
