#!/bin/sh
# Run by the nginx image's entrypoint (/docker-entrypoint.d/) before nginx starts: turns NGINX_TRUSTED_PROXIES
# (addresses or CIDR networks, separated by spaces or commas) into the files nginx.conf includes from
# /etc/nginx/selflink/: `set_real_ip_from` lines (*.real_ip) and `geo` entries (*.geo). Empty: trust nobody.
set -eu
dir=${SELFLINK_NGINX_DIR:-/etc/nginx/selflink}  # overridable for tests
mkdir -p "$dir"
: > "$dir/trusted.real_ip"
: > "$dir/trusted.geo"
for proxy in $(echo "${NGINX_TRUSTED_PROXIES:-}" | tr ',' ' '); do
    case "$proxy" in
        *[!0-9a-fA-F.:/]*) echo "NGINX_TRUSTED_PROXIES: '$proxy' is not an address or network" >&2; exit 1 ;;
    esac
    echo "set_real_ip_from $proxy;" >> "$dir/trusted.real_ip"
    echo "$proxy 1;" >> "$dir/trusted.geo"
    echo "selflink: trusting X-Forwarded-For/-Proto from $proxy"
done
