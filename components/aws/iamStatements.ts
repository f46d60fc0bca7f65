// IAM policy statements every AWS compute target grants its runtime identity
// (the ECS execution role, the Beanstalk instance profile): written once, so
// "pull only this repository, read only these secrets" is one reviewed rule.

/** Log in to ECR and pull from exactly one repository. */
export function pullImageStatements(repositoryArn: string): Array<Record<string, unknown>> {
    return [
        // GetAuthorizationToken has no resource-level permissions.
        { Sid: "EcrLogin", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
        { Sid: "PullImage", Effect: "Allow", Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"], Resource: [repositoryArn] },
    ];
}

/** Read exactly these secrets; no statement at all when there are none. */
export function readSecretsStatements(secretArns: readonly string[]): Array<Record<string, unknown>> {
    return secretArns.length > 0 ? [{ Sid: "ReadSecrets", Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [...new Set(secretArns)].sort() }] : [];
}
