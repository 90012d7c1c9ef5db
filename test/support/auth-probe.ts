import * as net from "net";
import * as tls from "tls";
import { createHash, randomBytes } from "crypto";

// A few bytes of the PostgreSQL wire protocol (v3), enough to see how a server (PostgreSQL,
// PgBouncer, or HAProxy in front of either) wants a client to authenticate, and what happens to a
// client that answers with a weaker method. libpq and node-pg pick the method the server asks
// for, so they cannot show this.

/** Authentication request codes (protocol "AuthenticationXXX" messages). */
export const AUTH = { ok: 0, cleartext: 3, md5: 5, sasl: 10 } as const;

export type ServerReply =
    | { kind: "auth"; code: number; mechanisms: string[]; salt?: Buffer }
    | { kind: "error"; message: string }
    | { kind: "other"; type: string }
    | { kind: "closed" };

function startupMessage(user: string, database: string): Buffer {
    const params = Buffer.from(`user\0${user}\0database\0${database}\0\0`, "utf8");
    const head = Buffer.alloc(8);
    head.writeInt32BE(8 + params.length, 0);
    head.writeInt32BE(196608, 4); // protocol 3.0
    return Buffer.concat([head, params]);
}

function passwordMessage(payload: string): Buffer {
    const body = Buffer.from(`${payload}\0`, "utf8");
    const head = Buffer.alloc(5);
    head.write("p", 0);
    head.writeInt32BE(4 + body.length, 1);
    return Buffer.concat([head, body]);
}

function parseReply(buf: Buffer): ServerReply | undefined {
    if (buf.length < 5) return undefined;
    const len = buf.readInt32BE(1);
    if (buf.length < 1 + len) return undefined;
    const type = String.fromCharCode(buf[0]);
    const body = buf.subarray(5, 1 + len);
    if (type === "R") {
        const code = body.readInt32BE(0);
        const mechanisms = code === AUTH.sasl ? body.subarray(4).toString("utf8").split("\0").filter(Boolean) : [];
        return { kind: "auth", code, mechanisms, ...(code === AUTH.md5 ? { salt: Buffer.from(body.subarray(4, 8)) } : {}) };
    }
    if (type === "E") {
        // Fields: a type byte then a C string each; 'M' is the human-readable message.
        const fields = body.toString("utf8").split("\0").filter(Boolean);
        const m = fields.find((f) => f.startsWith("M"));
        return { kind: "error", message: m ? m.slice(1) : fields.join(" ") };
    }
    return { kind: "other", type };
}

/** How the probe reaches the server: in plain TCP, or inside TLS (SSLRequest, then a handshake that verifies nothing). */
export type Transport = "plain" | "tls";

/** SSLRequest (protocol code 80877103); the server answers one byte, `S` if it speaks TLS. */
async function tlsSocket(host: string, port: number): Promise<tls.TLSSocket> {
    const raw = net.connect({ host, port });
    await new Promise<void>((resolve, reject) => {
        raw.once("error", reject);
        raw.once("connect", () => {
            const req = Buffer.alloc(8);
            req.writeInt32BE(8, 0);
            req.writeInt32BE(80877103, 4);
            raw.write(req);
        });
        raw.once("data", (b) => (b[0] === 0x53 ? resolve() : reject(new Error(`${host}:${port} answered SSLRequest with ${JSON.stringify(String.fromCharCode(b[0]))}`))));
    });
    return new Promise((resolve, reject) => {
        const s = tls.connect({ socket: raw, rejectUnauthorized: false }, () => resolve(s));
        s.once("error", reject);
    });
}

/**
 * Opens a connection, sends a startup message and returns the server's first reply; then, if
 * `answer` is given, sends it as a password message and returns the reply to that too.
 */
async function converse(host: string, port: number, user: string, database: string, transport: Transport, answer?: (first: ServerReply & { kind: "auth" }) => string): Promise<ServerReply[]> {
    const socket: net.Socket = transport === "tls" ? await tlsSocket(host, port) : net.connect({ host, port });
    return new Promise((resolve, reject) => {
        const replies: ServerReply[] = [];
        let buf = Buffer.alloc(0);
        const done = () => {
            socket.destroy();
            resolve(replies);
        };
        socket.setTimeout(10_000, () => {
            socket.destroy();
            reject(new Error(`no reply from ${host}:${port} within 10 s`));
        });
        socket.on("error", reject);
        socket.on("close", () => {
            if (replies.length === 0 || (answer && replies.length === 1)) replies.push({ kind: "closed" });
            done();
        });
        if (transport === "tls") socket.write(startupMessage(user, database));
        else socket.on("connect", () => socket.write(startupMessage(user, database)));
        socket.on("data", (chunk) => {
            buf = Buffer.concat([buf, chunk]);
            const reply = parseReply(buf);
            if (!reply) return;
            buf = buf.subarray(1 + buf.readInt32BE(1));
            replies.push(reply);
            if (replies.length === 1 && answer && reply.kind === "auth") socket.write(passwordMessage(answer(reply)));
            else done();
        });
    });
}

/** How the server asks `user` to authenticate over TCP. */
export async function authRequest(host: string, port: number, user: string, database: string, transport: Transport = "plain"): Promise<ServerReply> {
    return (await converse(host, port, user, database, transport))[0];
}

/**
 * Logs in the way an md5-only or cleartext-only client would, whatever the server asked for,
 * with the right password: against a server that accepts that method this logs in (the reply is
 * AuthenticationOk). Returns the server's answer to the password.
 */
export async function weakLogin(host: string, port: number, user: string, database: string, password: string, method: "md5" | "cleartext", transport: Transport = "plain"): Promise<ServerReply> {
    const replies = await converse(host, port, user, database, transport, (first) => {
        if (method === "cleartext") return password;
        // md5: "md5" + md5(md5(password + user) + salt), with the server's salt when it sent one.
        const inner = createHash("md5").update(password + user).digest("hex");
        return "md5" + createHash("md5").update(Buffer.concat([Buffer.from(inner), first.salt ?? randomBytes(4)])).digest("hex");
    });
    return replies[1] ?? replies[0];
}
