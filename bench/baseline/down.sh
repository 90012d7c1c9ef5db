#!/usr/bin/env bash
# Removes everything up.sh created for PREFIX.
P=${1:-pgbase}
docker ps -aq --filter "label=pgscale.bench=$P" | xargs -r docker rm -f >/dev/null
docker volume ls -q --filter "label=pgscale.bench=$P" | xargs -r docker volume rm >/dev/null
docker network ls -q --filter "label=pgscale.bench=$P" | xargs -r docker network rm >/dev/null
