// The benchmarks `npm run bench -- NAME[,NAME...]` knows: one file per benchmark, listed here.
// To add one, write a module exporting a Benchmark and add it to BENCHMARKS (see bench/README.md).
import type { BeyondFloor, Row } from "../harness/types";
import { haFailover } from "./ha-failover";
import { haPool } from "./ha-pool";
import { haUp } from "./ha-up";
import { partition } from "./partition";
import { testing } from "./testing";
import { testingReuse } from "./testing-reuse";
import { access } from "./access";
import { monitoring } from "./monitoring";
import { majorUpgrade } from "./major-upgrade";
import { backup } from "./backup";
import { sharding } from "./sharding";
import { tls } from "./tls";
import { archiveLag } from "./archive-lag";

export interface BenchContext {
    rounds: number;
    /** Options after the names, e.g. `--sizes 365,1000`. */
    options: Record<string, string>;
    log(message: string): void;
}

export interface BenchOutput {
    rows: Row[];
    beyondFloor?: BeyondFloor[];
    notes?: string[];
}

export interface Benchmark {
    name: string;
    /** One line for `npm run bench -- --list` and the report's heading. */
    describe: string;
    run(ctx: BenchContext): Promise<BenchOutput>;
}

export const BENCHMARKS: Benchmark[] = [haUp, testing, partition, haFailover, haPool, testingReuse, access, monitoring, majorUpgrade, backup, sharding, tls, archiveLag];
