import { shardAscii, shardMermaid, treeAscii, treeMermaid } from "./diagram-tables";

const parts = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `t_${i}`, bound: `MODULUS ${n}, REMAINDER ${i}` }));

describe("partition trees", () => {
    test("short lists are drawn whole, aligned", () => {
        expect(treeAscii({ parent: "public.t", header: "PARTITION BY HASH (k)", partitions: parts(2) })).toBe(
            ["public.t  PARTITION BY HASH (k)", "  |-- t_0  MODULUS 2, REMAINDER 0", "  `-- t_1  MODULUS 2, REMAINDER 1"].join("\n"),
        );
    });

    test("long lists keep the first and the last, and count the rest", () => {
        const a = treeAscii({ parent: "public.t", header: "h", partitions: parts(16) });
        expect(a).toContain("t_3");
        expect(a).not.toContain("t_4 ");
        expect(a).toContain("... 11 more");
        expect(a.split("\n").pop()).toContain("t_15");
        expect(treeMermaid({ parent: "public.t", header: "h", partitions: parts(16) })).toContain("... 11 more");
    });

    test("Mermaid labels cannot break out of their quotes", () => {
        expect(treeMermaid({ parent: 'a"b', header: "h", partitions: parts(1) })).toContain(`parent["a'b<br/>h"]`);
    });
});

describe("shard diagrams", () => {
    const d = { coordinator: "public.s PARTITION BY HASH (k), modulus 4", shards: [{ server: "shard-0", remainders: [0, 2], gb: 100 }, { server: "shard-1", remainders: [1, 3], gb: 100 }] };
    test("every shard with its remainders", () => {
        expect(shardAscii(d)).toContain("remainders 0,2  --postgres_fdw-->  shard-0  (~100 GB)");
        expect(shardMermaid(d)).toContain(`coord -- "remainders 1,3" --> s1[("shard-1<br/>~100 GB")]`);
    });
    test("many remainders are elided", () => {
        const many = { coordinator: "c", shards: [{ server: "shard-0", remainders: [0, 4, 8, 12, 16, 20, 24, 28], gb: 1 }] };
        expect(shardAscii(many)).toContain("remainders 0,4,8,...,28 (8 partitions)");
    });
});
