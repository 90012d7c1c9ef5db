// Round-by-round alternation: every round runs every side once, in an order rotated each round, so
// drift on a shared machine (other work starting or stopping) hits all sides alike and no side is
// always first or always right after the heaviest one. With two sides: A,B then B,A then A,B ...
export const ORDER = "every round runs each side once; the order rotates by one side per round (A,B / B,A / A,B ...)";

export type Sampler = (round: number) => Promise<number>;

export async function alternate(rounds: number, sides: Record<string, Sampler>, log: (m: string) => void): Promise<Record<string, number[]>> {
    const names = Object.keys(sides);
    const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
    for (let r = 0; r < rounds; r++) {
        const order = names.map((_, i) => names[(i + r) % names.length]);
        for (const name of order) {
            const v = await sides[name](r);
            samples[name].push(Math.round(v * 1000) / 1000);
            log(`round ${r + 1}/${rounds} ${name}: ${samples[name][r]}`);
        }
    }
    return samples;
}

/** Seconds a synchronous step took. */
export function timed(fn: () => void): number {
    const t0 = Date.now();
    fn();
    return (Date.now() - t0) / 1000;
}
