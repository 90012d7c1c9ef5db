#!/bin/sh
# Patroni callback (`<action> <role> <scope>`) for clusters on an etcd DCS: keeps this pod's
# `role` label equal to its Patroni role, as Patroni's Kubernetes DCS does by itself, so the
# primary and replica Services select the right pods. Best effort: a failed call is retried by
# the next callback, and HAProxyFrontend's REST checks do not depend on it.
set -u
case "$1:$2" in
  on_stop:*) value=null ;;
  *:master | *:primary | *:promoted) value='"master"' ;;
  *:replica) value='"replica"' ;;
  *) value=null ;;
esac
sa=/var/run/secrets/kubernetes.io/serviceaccount
exec curl -fsS -o /dev/null --max-time 5 --retry 3 --retry-all-errors \
  --cacert "$sa/ca.crt" -H "Authorization: Bearer $(cat "$sa/token")" \
  -H 'Content-Type: application/merge-patch+json' -X PATCH \
  --data "{\"metadata\":{\"labels\":{\"role\":$value}}}" \
  "https://kubernetes.default.svc/api/v1/namespaces/$(cat "$sa/namespace")/pods/$(hostname)"
