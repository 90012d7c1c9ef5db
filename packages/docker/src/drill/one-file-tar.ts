// A tar archive of one small regular file, as the Engine API's "put archive" takes it: how a
// secret file reaches a container before it starts without passing through its command or env.

const BLOCK = 512;

function field(buf: Buffer, offset: number, length: number, value: string): void {
    buf.write(value, offset, Math.min(length, Buffer.byteLength(value)), "utf8");
}

const octal = (n: number, width: number) => n.toString(8).padStart(width - 1, "0");

export function oneFileTar(name: string, content: string, o: { mode: number; uid: number; gid: number }): Buffer {
    if (Buffer.byteLength(name) > 100) throw new Error(`oneFileTar: name longer than 100 bytes: ${name}`);
    const data = Buffer.from(content, "utf8");
    const header = Buffer.alloc(BLOCK);
    field(header, 0, 100, name);
    field(header, 100, 8, octal(o.mode, 8));
    field(header, 108, 8, octal(o.uid, 8));
    field(header, 116, 8, octal(o.gid, 8));
    field(header, 124, 12, octal(data.length, 12));
    field(header, 136, 12, octal(Math.floor(Date.now() / 1000), 12));
    field(header, 148, 8, "        "); // the checksum counts itself as spaces
    field(header, 156, 1, "0");
    field(header, 257, 6, "ustar");
    field(header, 263, 2, "00");
    let sum = 0;
    for (const b of header) sum += b;
    field(header, 148, 8, `${octal(sum, 7)}\0`);
    const padded = Buffer.alloc(Math.ceil(data.length / BLOCK) * BLOCK);
    data.copy(padded);
    return Buffer.concat([header, padded, Buffer.alloc(2 * BLOCK)]);
}
