// What pages someone on Google Cloud: the same alerts as the AWS alarms, as
// Cloud Monitoring alert policies, sent to the `alarmEmail` channel when one is
// set. Without a channel the policies still open incidents in the console.
import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

export interface MonitoringArgs {
    readonly project: string;
    /** The enabled project APIs (Cloud Monitoring among them); every resource here waits for them. */
    readonly apis: pulumi.Resource;
    /** Address emailed when a policy opens or closes an incident. @default none */
    readonly email?: string;
}

export class Monitoring extends pulumi.ComponentResource {
    /** Notification channel names (`projects/.../notificationChannels/...`); empty without `email`. */
    readonly notificationChannels: pulumi.Output<string>[];

    constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:gcp:Monitoring", name, {}, opts);
        const waitForApis = { parent: this, dependsOn: [args.apis] };

        this.notificationChannels = args.email
            ? [
                  new gcp.monitoring.NotificationChannel(
                      `${name}-email`,
                      {
                          project: args.project,
                          type: "email",
                          displayName: `Alerts for ${pulumi.getProject()}/${pulumi.getStack()}`,
                          labels: { email_address: args.email },
                      },
                      waitForApis,
                  ).name,
              ]
            : [];

        this.registerOutputs({ notificationChannels: this.notificationChannels });
    }
}
