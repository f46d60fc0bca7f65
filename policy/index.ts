// `pulumi preview --policy-pack policy`: the preflight rules on a real preview.
import { PolicyPack } from "@pulumi/policy";
import { resourcePolicies, stackPolicy } from "./policies";

new PolicyPack("flask-multicloud-preflight", {
    policies: [...resourcePolicies(), stackPolicy()],
});
