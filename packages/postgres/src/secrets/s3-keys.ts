import * as pulumi from "@pulumi/pulumi";
import { S3Keys, S3RepositorySpec } from "@pgscale/core";

/**
 * The keys of an S3 repository (`backup.repository.s3`, `bootstrap.fromBackup.repository.s3`),
 * resolved; undefined without one. The platforms write them only into pgBackRest's configuration.
 */
export function s3Keys(s3: S3RepositorySpec | undefined): pulumi.Output<S3Keys | undefined> {
    if (!s3) return pulumi.output(undefined);
    return pulumi.all([s3.accessKeyId as pulumi.Input<string>, s3.secretAccessKey as pulumi.Input<string>])
        .apply(([accessKeyId, secretAccessKey]) => ({ accessKeyId, secretAccessKey }));
}

/**
 * An S3 repository with its keys and the endpoint's CA resolved, as one secret: what a throwaway
 * restore (a RestoreDrill, a restore's check of its source) writes into its pgBackRest configuration.
 */
export function resolvedS3(s3: S3RepositorySpec): pulumi.Output<S3RepositorySpec & S3Keys & { caPem?: string }> {
    return pulumi.secret(pulumi.all([s3Keys(s3), s3.caPem as pulumi.Input<string> | undefined]).apply(([keys, caPem]) => ({ ...s3, ...keys!, caPem })));
}
