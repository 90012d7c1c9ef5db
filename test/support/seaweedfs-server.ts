// How the S3 e2e fixtures (Docker's backup-s3, and kubernetes) run SeaweedFS's test image: the
// server's start script and its one identity. Pure, so a fixture program can import it.

/** The identity file (`-s3.config`): one user with these keys, allowed everything pgBackRest does. */
export function seaweedIdentities(accessKey: string, secretKey: string): string {
    return JSON.stringify({ identities: [{ name: "pgbackrest", credentials: [{ accessKey, secretKey }], actions: ["Admin", "Read", "List", "Tagging", "Write"] }] });
}

/**
 * `weed server` (master, volume, filer and S3 gateway in one) with S3 over TLS on 8333, then the
 * bucket, once the master and filer answer (a restarted server finds it there already), and
 * /tmp/ready for the readiness check. Internal traffic stays on loopback.
 */
export function seaweedServerScript(f: { bucket: string; configFile: string; certFile: string; keyFile: string }): string {
    return [
        "set -eu",
        "weed server -dir=/data -ip=127.0.0.1 -ip.bind=0.0.0.0 -filer -s3 -s3.port=8333 -s3.port.iceberg=0 -s3.port.lance=0 \\",
        `  -master.volumeSizeLimitMB=128 -volume.max=16 -s3.config=${f.configFile} -s3.cert.file=${f.certFile} -s3.key.file=${f.keyFile} &`,
        `shell() { echo "$1" | timeout 20 weed shell -master=127.0.0.1:9333 2>&1; }`,
        `until shell "s3.bucket.list" | grep -q "${f.bucket}"; do shell "s3.bucket.create -name ${f.bucket}" >/dev/null || true; sleep 1; done`,
        "touch /tmp/ready",
        "wait",
    ].join("\n");
}
