// A minimal tar (ustar + PAX long names) writer. Docker takes uploads and build contexts as tar
// archives; writing the format ourselves keeps the stand-in's dependencies to what package.json
// declares.

export interface TarEntry {
    /** Relative path with forward slashes; directories without a trailing slash. */
    name: string;
    type: "file" | "dir" | "symlink";
    mode: number;
    data?: Buffer;
    linkname?: string;
    mtime?: number;
}

const BLOCK = 512;

export function tarArchive(entries: TarEntry[]): Buffer {
    const parts: Buffer[] = [];
    for (const e of entries) {
        const name = e.type === "dir" ? `${e.name.replace(/\/+$/, "")}/` : e.name;
        const data = e.type === "file" ? e.data ?? Buffer.alloc(0) : Buffer.alloc(0);
        const pax: Record<string, string> = {};
        if (Buffer.byteLength(name) > 100) {
            pax.path = name;
        }
        if (e.linkname && Buffer.byteLength(e.linkname) > 100) {
            pax.linkpath = e.linkname;
        }
        if (Object.keys(pax).length > 0) {
            const body = Buffer.from(Object.entries(pax).map(([k, v]) => paxRecord(k, v)).join(""));
            parts.push(header({ name: "PaxHeader", size: body.length, mode: 0o644, typeflag: "x" }), pad(body));
        }
        parts.push(
            header({
                name: truncate(name, 100),
                size: data.length,
                mode: e.mode,
                typeflag: e.type === "file" ? "0" : e.type === "dir" ? "5" : "2",
                linkname: e.linkname ? truncate(e.linkname, 100) : "",
                mtime: e.mtime,
            }),
            pad(data),
        );
    }
    parts.push(Buffer.alloc(BLOCK * 2));
    return Buffer.concat(parts);
}

/** `"<len> key=value\n"` where len counts the whole record including its own digits. */
function paxRecord(key: string, value: string): string {
    const rest = ` ${key}=${value}\n`;
    const restLen = Buffer.byteLength(rest);
    let len = restLen + 1;
    while (String(len).length + restLen !== len) {
        len = String(len).length + restLen;
    }
    return `${len}${rest}`;
}

function truncate(s: string, bytes: number): string {
    let out = s;
    while (Buffer.byteLength(out) > bytes) {
        out = out.slice(0, -1);
    }
    return out;
}

function pad(data: Buffer): Buffer {
    const rem = data.length % BLOCK;
    return rem === 0 ? data : Buffer.concat([data, Buffer.alloc(BLOCK - rem)]);
}

function header(h: { name: string; size: number; mode: number; typeflag: string; linkname?: string; mtime?: number }): Buffer {
    const buf = Buffer.alloc(BLOCK);
    const octal = (value: number, width: number) => value.toString(8).padStart(width - 1, "0") + "\0";
    buf.write(h.name, 0, 100, "utf8");
    buf.write(octal(h.mode & 0o7777, 8), 100, "ascii");
    buf.write(octal(0, 8), 108, "ascii"); // uid: root, as the real provider uploads
    buf.write(octal(0, 8), 116, "ascii"); // gid
    buf.write(octal(h.size, 12), 124, "ascii");
    buf.write(octal(Math.floor(h.mtime ?? Date.now() / 1000), 12), 136, "ascii");
    buf.write("        ", 148, "ascii"); // checksum field counts as spaces while summing
    buf.write(h.typeflag, 156, "ascii");
    buf.write(h.linkname ?? "", 157, 100, "utf8");
    buf.write("ustar\0", 257, "ascii");
    buf.write("00", 263, "ascii");
    buf.write("root", 265, "ascii");
    buf.write("root", 297, "ascii");
    let sum = 0;
    for (const b of buf) {
        sum += b;
    }
    buf.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, "ascii");
    return buf;
}
