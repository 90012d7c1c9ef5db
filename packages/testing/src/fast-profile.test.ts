import { DATA_PATHS, dataOnTmpfs, fastProfileRefusal } from "./fast-profile";

const args = (type: string, props: Record<string, unknown>) => ({ type, name: "node-0", props, opts: {}, resource: undefined as never });

describe("dataOnTmpfs", () => {
    const tmpfs = dataOnTmpfs(DATA_PATHS.postgres, { uid: 100, gid: 102 });

    it("replaces the data volume of a container with a tmpfs owned by the server's user", () => {
        const out = tmpfs(args("docker:index/container:Container", {
            image: "x",
            volumes: [{ volumeName: "v", containerPath: DATA_PATHS.postgres }, { volumeName: "w", containerPath: "/other" }],
        }));
        expect(out?.props).toEqual({
            image: "x",
            volumes: [{ volumeName: "w", containerPath: "/other" }],
            tmpfs: { [DATA_PATHS.postgres]: "uid=100,gid=102,mode=0700" },
        });
    });

    it("leaves other resources alone and fails loudly if the container has no such volume", () => {
        expect(tmpfs(args("docker:index/volume:Volume", { name: "v" }))).toBeUndefined();
        expect(() => tmpfs(args("docker:index/container:Container", { volumes: [] }))).toThrow(/has no volume at \/var\/lib\/postgresql\/data/);
    });
});

describe("fastProfileRefusal", () => {
    it("allows test runs and explicit consent, never production", () => {
        expect(fastProfileRefusal({ NODE_ENV: "test" } as NodeJS.ProcessEnv, false)).toBeUndefined();
        expect(fastProfileRefusal({ JEST_WORKER_ID: "3" } as NodeJS.ProcessEnv, false)).toBeUndefined();
        expect(fastProfileRefusal({} as NodeJS.ProcessEnv, true)).toBeUndefined();
        expect(fastProfileRefusal({} as NodeJS.ProcessEnv, false)).toMatch(/allowUnsafeDurability/);
        expect(fastProfileRefusal({ NODE_ENV: "production", JEST_WORKER_ID: "1" } as NodeJS.ProcessEnv, true)).toMatch(/NODE_ENV is production/);
    });
});
