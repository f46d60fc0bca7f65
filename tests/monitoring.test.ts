// Who hears about a failure, on both clouds: the alarmEmail recipient, and the
// alerts that exist whether or not one is set.
import * as assert from "assert";
import { computed, render } from "./harness";

const EMAIL = "alarmEmail=ops@example.com";
const SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";
const CHANNEL = "gcp:monitoring/notificationChannel:NotificationChannel";

describe("alert recipient (alarmEmail)", () => {
    it("subscribes the address to the alarm topic on AWS", async () => {
        const sub = (await render("prod", EMAIL)).one(SUBSCRIPTION);
        assert.deepStrictEqual(sub.inputs, { topic: computed("app-alarms-topic", "arn"), protocol: "email", endpoint: "ops@example.com" });
    });

    it("makes it a Cloud Monitoring email channel on Google Cloud", async () => {
        const channel = (await render("dev", EMAIL)).one(CHANNEL);
        assert.strictEqual(channel.inputs.type, "email");
        assert.deepStrictEqual(channel.inputs.labels, { email_address: "ops@example.com" });
        assert.strictEqual(channel.inputs.project, "acme-dev-1");
    });

    it("declares no subscription or channel without an address", async () => {
        assert.ok(!(await render("prod")).has(SUBSCRIPTION));
        assert.ok(!(await render("dev")).has(CHANNEL));
    });
});
