// Apply-time rules for the Elastic Beanstalk target's resources: what the
// Beanstalk, S3 and IAM APIs reject that the provider lets through at preview.
// One entry per limit, with the API reference that states it.
import { ResourceRule } from "../preflight";
import { known, nameRule, textRule } from "./checks";

const EB = "https://docs.aws.amazon.com/elasticbeanstalk/latest/api";
const APPLICATION = "aws:elasticbeanstalk/application:Application";
const VERSION = "aws:elasticbeanstalk/applicationVersion:ApplicationVersion";
const ENVIRONMENT = "aws:elasticbeanstalk/environment:Environment";

/** Environment names and CNAME prefixes: letters, digits and hyphens, not starting or ending with a hyphen. */
const EB_DNS_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;

/** Environment properties: all `key=value` pairs together (https://docs.aws.amazon.com/elasticbeanstalk/latest/dg/eb3-setenv.html). */
const ENV_PROPERTIES_MAX_BYTES = 4096;

export const BEANSTALK_RULES: readonly ResourceRule[] = [
    // CreateApplication: ApplicationName 1-100; Description up to 200.
    nameRule({ id: "beanstalk-application-name", types: [APPLICATION], source: `${EB}/API_CreateApplication.html`, property: "name", autonamed: true, max: 100 }),
    textRule({ id: "beanstalk-application-description", types: [APPLICATION], source: `${EB}/API_CreateApplication.html`, property: "description", max: 200 }),
    // CreateApplicationVersion: VersionLabel 1-100; Description up to 200.
    nameRule({ id: "beanstalk-version-label", types: [VERSION], source: `${EB}/API_CreateApplicationVersion.html`, property: "name", autonamed: true, max: 100 }),
    textRule({ id: "beanstalk-version-description", types: [VERSION], source: `${EB}/API_CreateApplicationVersion.html`, property: "description", max: 200 }),
    // CreateEnvironment: EnvironmentName "from 4 to 40 characters ... only letters, numbers, and hyphens. It can't start or end with a hyphen."
    nameRule({
        id: "beanstalk-environment-name",
        types: [ENVIRONMENT],
        source: `${EB}/API_CreateEnvironment.html`,
        property: "name",
        autonamed: true,
        min: 4,
        max: 40,
        pattern: EB_DNS_NAME,
        allowed: "letters, digits and hyphens, not starting or ending with a hyphen",
    }),
    // CreateEnvironment: CNAMEPrefix 4-63; it becomes a DNS label of <prefix>.<region>.elasticbeanstalk.com.
    nameRule({
        id: "beanstalk-cname-prefix",
        types: [ENVIRONMENT],
        source: `${EB}/API_CreateEnvironment.html`,
        property: "cnamePrefix",
        min: 4,
        max: 63,
        pattern: EB_DNS_NAME,
        allowed: "letters, digits and hyphens, not starting or ending with a hyphen (a DNS label)",
    }),
    textRule({ id: "beanstalk-environment-description", types: [ENVIRONMENT], source: `${EB}/API_CreateEnvironment.html`, property: "description", max: 200 }),
    {
        id: "beanstalk-environment-properties-size",
        types: [ENVIRONMENT],
        source: "https://docs.aws.amazon.com/elasticbeanstalk/latest/dg/eb3-setenv.html",
        check(r) {
            const settings = r.inputs.settings;
            if (!Array.isArray(settings)) {
                return [];
            }
            // Values the render cannot know count as empty: the rule fires only on what is certainly too much.
            const bytes = settings
                .filter((s) => s?.namespace === "aws:elasticbeanstalk:application:environment")
                .reduce((sum, s) => sum + Buffer.byteLength(`${s.name}=${known(s.value) ? String(s.value) : ""}`), 0);
            return bytes > ENV_PROPERTIES_MAX_BYTES
                ? [{ property: "settings", value: `${bytes} bytes`, message: `environment properties may total at most ${ENV_PROPERTIES_MAX_BYTES} bytes as key=value; move large values to secrets` }]
                : [];
        },
    },

    // S3 bucket names: 3-63 of lowercase letters, digits, dots and hyphens, a letter or digit at each end; reserved prefixes
    // and suffixes (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html). Pulumi autonames from the logical name.
    nameRule({
        id: "aws-s3-bucket-name",
        types: ["aws:s3/bucket:Bucket"],
        source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html",
        property: "bucket",
        autonamed: true,
        min: 3,
        max: 63,
        pattern: /^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/,
        allowed: "lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit",
        reservedPrefixes: ["xn--", "sthree-", "amzn-s3-demo-"],
    }),
    {
        id: "aws-s3-bucket-name-suffix",
        types: ["aws:s3/bucket:Bucket"],
        source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html",
        check(r) {
            const v = r.inputs.bucket;
            if (!known(v) || typeof v !== "string") {
                return [];
            }
            const suffix = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"].find((s) => v.endsWith(s));
            const findings = suffix ? [{ property: "bucket", value: v, message: `must not end with the reserved suffix "${suffix}"` }] : [];
            if (/\.\.|^\d{1,3}(\.\d{1,3}){3}$/.test(v)) {
                findings.push({ property: "bucket", value: v, message: "must not contain two adjacent dots or look like an IP address" });
            }
            return findings;
        },
    },
    // CreateInstanceProfile: InstanceProfileName 1-128 of [\w+=,.@-].
    nameRule({
        id: "aws-iam-instance-profile-name",
        types: ["aws:iam/instanceProfile:InstanceProfile"],
        source: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateInstanceProfile.html",
        property: "name",
        autonamed: true,
        max: 128,
        pattern: /^[\w+=,.@-]+$/,
        allowed: "letters, digits and +=,.@_-",
    }),
];
