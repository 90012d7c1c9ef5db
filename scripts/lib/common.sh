# Shared by the scripts in scripts/. Sourced, never run.
# shellcheck shell=bash
set -euo pipefail

PGSCALE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# Everything expensive (toolchain builds, the base rootfs) is cached outside the checkout,
# so a fresh clone on the same machine reuses it and CI's clone does too.
PGSCALE_CACHE="${PGSCALE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pgscale}"
PULUMI_PINNED_VERSION="3.259.0"
PULUMI_DOCKER_PLUGIN_VERSION="4.11.2"
PULUMI_LANGUAGE_HOST_VERSION="3.68.0"
PULUMI_KUBERNETES_PLUGIN_VERSION="4.34.2" # the plugin @pulumi/kubernetes asks for
K8S_PINNED_VERSION="1.33.13"

_t0=$(date +%s)
log() { printf '[pgscale %4ss] %s\n' "$(( $(date +%s) - _t0 ))" "$*" >&2; }
die() { printf '[pgscale] error: %s\n' "$*" >&2; exit 1; }
