// Prints shell assignments of the images (and the PostgreSQL layout) the baselines run: the same
// ones PatroniCluster, EtcdCluster and HAProxyFrontend use by default, from @pgscale/core, unless
// the caller's environment already names them. POSTGRES_VERSION picks the major (default: core's).
// Usage (in a baseline script): eval "$(node "$(dirname "$0")/images.js")"
const core = require("@pgscale/core");
const version = Number(process.env.POSTGRES_VERSION || core.DEFAULT_POSTGRES_VERSION);
const layout = core.postgresLayout(version);
const values = {
    ETCD_IMAGE: core.DEFAULT_IMAGES.etcd,
    PATRONI_IMAGE: core.DEFAULT_IMAGES[layout.image],
    HAPROXY_IMAGE: core.DEFAULT_IMAGES.haproxy,
    PG_DATA_DIR: layout.dataDir,
    PG_BIN_DIR: layout.binDir,
    UPGRADE_IMAGE: core.DEFAULT_IMAGES["pg-upgrade"],
};
for (const [k, v] of Object.entries(values)) console.log(`: "\${${k}:=${v}}"`);
