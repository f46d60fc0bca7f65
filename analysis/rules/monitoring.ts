// Apply-time rules for the operations pieces: alert recipients, alarms and
// alert policies, dashboards, and the access-log bucket and log routing. One
// entry per limit, with the API reference that states it.
import { ResourceRule } from "../preflight";
import { at, known, textRule } from "./checks";

const SNS_SUBSCRIBE = "https://docs.aws.amazon.com/sns/latest/api/API_Subscribe.html";
const CHANNEL = "https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.notificationChannels";

const SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription";
const NOTIFICATION_CHANNEL = "gcp:monitoring/notificationChannel:NotificationChannel";

/** The same loose shape the settings parser accepts: one @, a dot in the domain, no spaces. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export const MONITORING_RULES: readonly ResourceRule[] = [
    {
        // Subscribe: the email protocol's Endpoint is an email address.
        id: "aws-sns-email-endpoint",
        types: [SUBSCRIPTION],
        source: SNS_SUBSCRIBE,
        check(r) {
            const endpoint = r.inputs.endpoint;
            if (r.inputs.protocol !== "email" || (endpoint !== undefined && !known(endpoint))) {
                return [];
            }
            return typeof endpoint === "string" && EMAIL.test(endpoint) ? [] : [{ property: "endpoint", value: endpoint, message: "the email protocol needs an email address as its endpoint" }];
        },
    },

    // NotificationChannel: displayName up to 512 Unicode characters; an email channel needs labels.email_address.
    textRule({ id: "gcp-channel-display-name", types: [NOTIFICATION_CHANNEL], source: CHANNEL, property: "displayName", max: 512 }),
    {
        id: "gcp-channel-email-address",
        types: [NOTIFICATION_CHANNEL],
        source: "https://cloud.google.com/monitoring/support/notification-options#email",
        check(r) {
            const address = at(r.inputs, "labels.email_address");
            if (r.inputs.type !== "email" || (address !== undefined && !known(address))) {
                return [];
            }
            const ok = typeof address === "string" && EMAIL.test(address);
            return ok ? [] : [{ property: "labels.email_address", value: address, message: "an email channel needs an email address in labels.email_address" }];
        },
    },
];
