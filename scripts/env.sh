# Source this: puts the Pulumi toolchain on PATH and points Pulumi at pgscale's local state.
# shellcheck shell=bash
_pgscale_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_pgscale_cache="${PGSCALE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pgscale}"
export PGSCALE_CACHE="$_pgscale_cache" # tests keep their caches there too (app-repo's pnpm store)
_pgscale_bin="$_pgscale_cache/pulumi/v3.259.0/bin"
if { [ -n "${PGSCALE_FORCE_OFFLINE_PULUMI:-}" ] || ! command -v pulumi >/dev/null 2>&1; } && [ -x "$_pgscale_bin/pulumi" ]; then
  export PATH="$_pgscale_bin:$PATH"
  export PULUMI_HOME="${PULUMI_HOME:-$_pgscale_cache/pulumi-home}"
fi
# A file backend inside the checkout: no account, no network. The passphrase only protects this
# demo state; set PULUMI_CONFIG_PASSPHRASE yourself for anything you keep.
mkdir -p "$_pgscale_root/.pgscale/state"
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$_pgscale_root/.pgscale/state}"
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-pgscale-local-demo}"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DIY_BACKEND_NO_LEGACY_WARNING=true
# The docker-provider stand-in's wrapper is shared by every checkout on the machine (PULUMI_HOME is a
# cache); each checkout runs its own build of it, so clones and worktrees never load each other's.
if [ -f "$_pgscale_root/tools/offline-pulumi/docker-provider/package.json" ]; then
  export PGSCALE_DOCKER_STANDIN_MAIN="$_pgscale_root/tools/offline-pulumi/docker-provider/dist/main.js"
fi
if [ -f "$_pgscale_root/tools/offline-pulumi/kubernetes-provider/package.json" ]; then
  export PGSCALE_KUBERNETES_STANDIN_MAIN="$_pgscale_root/tools/offline-pulumi/kubernetes-provider/dist/main.js"
fi
unset _pgscale_root _pgscale_cache _pgscale_bin
# Programs are type-checked by `tsc` in the build (tsconfig.test.json covers examples and fixtures),
# so Pulumi's ts-node only transpiles: seconds off every `pulumi up`.
export PULUMI_NODEJS_TRANSPILE_ONLY="${PULUMI_NODEJS_TRANSPILE_ONLY:-true}"
