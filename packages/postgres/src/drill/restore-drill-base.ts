import * as pulumi from "@pulumi/pulumi";
import { DrillRunOn, RestoreDrillInput } from "@pgscale/core";
import { PgscaleDynamicResource } from "../package-provider";

// What @pgscale/docker's and @pgscale/kubernetes's RestoreDrill share: the options and outputs
// of docs/backups.md "Restore drills". Each platform adds where its throwaway restore runs.

/** The options of a RestoreDrill on either platform. */
export interface RestoreDrillCommonArgs extends RestoreDrillInput {
    /**
     * When a drill runs: "create" (once, and again whenever an input changes) or "every-up" (each
     * `pulumi up` restores again: the drill shows as an update in every preview). Default "every-up".
     */
    runOn?: DrillRunOn;
}

/** The outputs of a RestoreDrill on either platform, filled in by its provider. */
export abstract class RestoreDrillResource extends PgscaleDynamicResource {
    /** The backup set restored, e.g. 20261203-223109F. */
    public readonly backupSet!: pulumi.Output<string>;
    /** From the start of the restore until the restored server accepted writes. */
    public readonly restoreSeconds!: pulumi.Output<number>;
    /** The newest commit the restore holds (ISO 8601). */
    public readonly restorablePoint!: pulumi.Output<string>;
    /** When the drill ran, minus `restorablePoint`: what losing everything but the repository would lose. */
    public readonly lossWindowSeconds!: pulumi.Output<number>;
    /** The first column of the first row of `check`. */
    public readonly checkResult!: pulumi.Output<string>;
    /** When the drill ran. */
    public readonly ranAt!: pulumi.Output<string>;
}
