// The Procfile parser, the cron rules and their EventBridge form, and how the
// Procfile and the settings combine into what each cloud deploys. Pure: no mocks.
import * as assert from "assert";
import { ProcfileError, parseProcfile, planProcesses } from "../components/procfile";
import { commandArgv, cronProblemOf, eventBridgeCron } from "../components/processSettings";
import { SettingsError, parseSettings } from "../components/settings";

describe("Procfile", () => {
    it("reads web, release and workers, ignoring comments and blank lines", () => {
        const p = parseProcfile("# the app\nweb: gunicorn --config gunicorn.conf.py wsgi:app\n\nworker:  python -m app.worker\nrelease: python -m app.migrate\nmailer: python -m app.mailer\n");
        assert.deepStrictEqual(p, {
            web: "gunicorn --config gunicorn.conf.py wsgi:app",
            release: "python -m app.migrate",
            workers: { worker: "python -m app.worker", mailer: "python -m app.mailer" },
        });
    });

    for (const [text, message] of [
        ["worker: python -m app.worker\n", /declares no web process/],
        ["web: gunicorn wsgi:app\nweb: gunicorn other:app\n", /line 2: process type "web" is declared twice/],
        ["web gunicorn wsgi:app\n", /line 1: expected "name: command"/],
        ["web: gunicorn wsgi:app\nWorker_1: python -m app.worker\n", /line 2: process type "Worker_1" must be lowercase letters/],
        ["web: gunicorn wsgi:app\nworker: python -m app.worker && echo done\n", /line 2: the worker command contains "&": the image has no shell/],
        ["web: gunicorn wsgi:app\nrelease: \n", /line 2: the release command must not be empty/],
    ] as const) {
        it(`rejects ${JSON.stringify(text)}`, () => {
            assert.throws(() => parseProcfile(text), (e: Error) => e instanceof ProcfileError && message.test(e.message));
        });
    }

    it("splits a command into argv on spaces (there is no shell in the image)", () => {
        assert.deepStrictEqual(commandArgv("  python  -m app.jobs prune "), ["python", "-m", "app.jobs", "prune"]);
    });
});

describe("cron", () => {
    for (const [cron, problem] of [
        ["0 3 * * *", undefined],
        ["*/15 * * * *", undefined],
        ["0 9-17 * * 1-5", undefined],
        ["30 2 1,15 * *", undefined],
        ["0 3 * *", /five fields/],
        ["60 3 * * *", /minute field "60" must use numbers from 0 to 59/],
        ["0 3 * JAN *", /no names/],
        ["0 3 * * 7", /0 is Sunday/],
        ["0 3 1 * 1", /both day-of-month and day-of-week/],
        ["0 3 * * */2", /day-of-week field "\*\/2" has a step/],
        ["0 5-3 * * *", /runs backwards/],
        ["*/0 * * * *", /step of 0/],
    ] as const) {
        it(`${cron}: ${problem ?? "accepted"}`, () => {
            const found = cronProblemOf(cron);
            if (problem === undefined) {
                assert.strictEqual(found, undefined);
            } else {
                assert.match(found ?? "", problem);
            }
        });
    }

    for (const [cron, expected] of [
        ["0 3 * * *", "cron(0 3 * * ? *)"],
        ["*/15 * * * *", "cron(0/15 * * * ? *)"],
        ["0 9 * * 1-5", "cron(0 9 ? * 2-6 *)"],
        ["0 0 1 */3 *", "cron(0 0 1 1/3 ? *)"],
        ["0 12 * * 0,6", "cron(0 12 ? * 1,7 *)"],
    ] as const) {
        it(`EventBridge Scheduler reads ${cron} as ${expected} (days of the week from 1, "?" in the other day field)`, () => {
            assert.strictEqual(eventBridgeCron(cron), expected);
        });
    }
});

describe("process plan", () => {
    const AWS = { "aws:region": "us-east-1" };
    const settingsWith = (project: Record<string, string>) => parseSettings({ project: { cloud: "aws", ...project }, providers: AWS, secretPaths: new Set() }).settings;
    const procfile = parseProcfile("web: gunicorn wsgi:app\nrelease: python -m app.migrate\nworker: python -m app.worker\n");

    it("gives every worker its processes entry or the defaults, and each schedule the default size", () => {
        const plan = planProcesses(procfile, settingsWith({ processes: '{"worker":{"size":"large","maxInstances":8}}', schedules: '{"prune":{"command":"python -m app.jobs prune","cron":"0 3 * * *"}}' }));
        assert.deepStrictEqual(plan.release, { command: ["python", "-m", "app.migrate"], cpu: 0.5, memory: 1024 });
        assert.deepStrictEqual(plan.workers, [{ name: "worker", command: ["python", "-m", "app.worker"], size: "large", cpu: 2, memory: 4096, minInstances: 1, maxInstances: 8 }]);
        assert.deepStrictEqual(plan.schedules, [{ name: "prune", command: "python -m app.jobs prune", cron: "0 3 * * *", timeoutSeconds: 600, argv: ["python", "-m", "app.jobs", "prune"], cpu: 0.5, memory: 1024 }]);
    });

    it("plans nothing besides web for a web-only Procfile and no schedules", () => {
        assert.deepStrictEqual(planProcesses(parseProcfile("web: gunicorn wsgi:app\n"), settingsWith({})), { workers: [], schedules: [] });
    });

    it("rejects a processes entry for a type the Procfile does not declare, naming the declared ones", () => {
        assert.throws(
            () => planProcesses(procfile, settingsWith({ processes: '{"mailer":{}}' })),
            (e: Error) => e instanceof SettingsError && /processes\.mailer: the Procfile declares no worker "mailer"; its workers: worker/.test(e.message),
        );
    });
});
