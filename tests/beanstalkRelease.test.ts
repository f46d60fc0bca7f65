// The release on Elastic Beanstalk, which has no release step: with a release
// process in the Procfile, the environment sets RELEASE_ON_START=1 and each
// instance's web process applies pending migrations before it serves
// (app/gunicorn.conf.py); without one, nothing changes.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { RELEASE_ON_START, releaseOnStartEnv } from "../components/aws/beanstalkTarget";
import { renderStack } from "../scripts/render";
import { PROCFILES, Rendered, fixture, render, renderError, renderProcfile } from "./harness";

const ENV = "aws:elasticbeanstalk/environment:Environment";
const BEANSTALK = ["platform=beanstalk"];

/** The environment properties Beanstalk passes to the container. */
function environmentProperties(r: Rendered): Record<string, unknown> {
    const settings = r.one(ENV).inputs.settings as Array<{ namespace: string; name: string; value: unknown }>;
    return Object.fromEntries(settings.filter((s) => s.namespace === "aws:elasticbeanstalk:application:environment").map((s) => [s.name, s.value]));
}

/** The warnings the program logs while rendering `procfile` on Beanstalk. */
async function warningsFor(procfile: string): Promise<string[]> {
    const warnings: string[] = [];
    const warn = pulumi.log.warn;
    (pulumi.log as { warn: typeof warn }).warn = async (msg: string) => {
        warnings.push(msg);
    };
    try {
        await renderStack(fixture("prod", BEANSTALK, procfile));
    } finally {
        (pulumi.log as { warn: typeof warn }).warn = warn;
    }
    return warnings.filter((w) => w.startsWith("platform beanstalk"));
}

function procfileWith(text: string): string {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "procfile-")), "Procfile");
    fs.writeFileSync(file, text);
    return file;
}

describe("AWS Elastic Beanstalk target: the release", () => {
    it("asks for RELEASE_ON_START only when the plan has a release", () => {
        assert.deepStrictEqual(releaseOnStartEnv({ release: { command: ["python", "-m", "app.migrate"], cpu: 0.25, memory: 512 } }), { RELEASE_ON_START: "1" });
        assert.deepStrictEqual(releaseOnStartEnv({}), {});
    });

    it("sets RELEASE_ON_START=1 in the environment properties when the Procfile declares a release", async () => {
        const env = environmentProperties(await renderProcfile(PROCFILES.all, "prod", ...BEANSTALK));
        assert.strictEqual(env[RELEASE_ON_START], "1");
        assert.strictEqual(env.PORT, "8080", "beside the stack's other properties");
    });

    it("leaves RELEASE_ON_START out when the Procfile declares no release", async () => {
        const env = environmentProperties(await render("prod", ...BEANSTALK));
        assert.ok(!(RELEASE_ON_START in env), `no ${RELEASE_ON_START}: ${Object.keys(env).join(", ")}`);
    });

    it("warns about the workers it leaves out, and no longer about the release", async () => {
        const [all] = await warningsFor(PROCFILES.all);
        assert.match(all, /not deployed: worker worker \(python -m app\.worker\)\./);
        assert.doesNotMatch(all, /release \(/);
        assert.deepStrictEqual(await warningsFor(procfileWith("web: gunicorn --config gunicorn.conf.py wsgi:app\nrelease: python -m app.migrate\n")), [], "web and release: nothing left out");
    });

    it("reserves RELEASE_ON_START: a stack's env cannot set or clear it", async () => {
        const error = await renderError("prod", ...BEANSTALK, "env.RELEASE_ON_START=0");
        assert.match(error.message, /env\.RELEASE_ON_START.*set by the stack/);
    });
});
