#!/bin/bash
# Point nginx's resolver at the container's own DNS server (the first nameserver of
# /etc/resolv.conf: podman's network DNS, Docker's 127.0.0.11), which knows the replicas'
# current addresses (server-backends.conf), then run nginx in the foreground.
set -euo pipefail
nameserver=
while read -r key value _; do
  if [ "$key" = nameserver ]; then
    nameserver=$value
    break
  fi
done </etc/resolv.conf
[ -n "$nameserver" ] || { echo "rfl-nginx: no nameserver in /etc/resolv.conf" >&2; exit 2; }
printf 'resolver %s valid=5s ipv6=off;\nresolver_timeout 2s;\n' "$nameserver" \
  >/run/nginx/resolver.conf
exec nginx -g "daemon off;"
