// Values Google Cloud computes, as the offline render shows them. Owned by the Google Cloud target.
import { ComputedTable, computed } from "./common";

export const GCP_COMPUTED: ComputedTable = {
    "gcp:cloudrunv2/service:Service": { uri: true, uid: true, latestReadyRevision: true },
    "gcp:serviceaccount/account:Account": {
        email: (n, i) => (i.accountId && i.project ? `${i.accountId}@${i.project}.iam.gserviceaccount.com` : computed(n, "email")),
        member: (n, i) => (i.accountId && i.project ? `serviceAccount:${i.accountId}@${i.project}.iam.gserviceaccount.com` : computed(n, "member")),
        uniqueId: true,
    },
    "gcp:secretmanager/secret:Secret": { name: true },
    "gcp:secretmanager/secretVersion:SecretVersion": { name: true, version: () => "1" },
    "gcp:artifactregistry/repository:Repository": { name: true },
    "gcp:sql/databaseInstance:DatabaseInstance": { connectionName: true, privateIpAddress: true, publicIpAddress: true, selfLink: true },
    "gcp:redis/instance:Instance": {
        host: true,
        // Memorystore serves TLS on 6378 and plain Redis on 6379.
        port: (_n, i) => (i.transitEncryptionMode === "SERVER_AUTHENTICATION" ? 6378 : 6379),
        authString: true,
        serverCaCerts: (n) => [{ cert: computed(n, "serverCaCerts[0].cert") }],
    },
    "gcp:compute/network:Network": { selfLink: true },
    "gcp:compute/subnetwork:Subnetwork": { selfLink: true },
    "gcp:compute/globalAddress:GlobalAddress": { address: true, selfLink: true },
    "gcp:compute/managedSslCertificate:ManagedSslCertificate": {},
    "gcp:cloudrun/domainMapping:DomainMapping": {
        statuses: (n) => [{ resourceRecords: [{ name: computed(n, "recordName"), type: "CNAME", rrdata: "ghs.googlehosted.com." }] }],
    },
    "gcp:monitoring/uptimeCheckConfig:UptimeCheckConfig": { uptimeCheckId: true },
    "gcp:monitoring/dashboard:Dashboard": {},
    "gcp:logging/projectBucketConfig:ProjectBucketConfig": {},
    "gcp:logging/projectSink:ProjectSink": { writerIdentity: true },
    "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": { name: true },
    "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": { name: true },
};
