#!/usr/bin/env bash
# Builds the two Node 20 base images the Dockerfile takes as build arguments, from Debian packages, for machines
# that cannot pull the official `node` images (CI here reaches Debian's mirror and the npm registry, no image
# registry). Users with registry access never need this: the Dockerfile defaults to the official images.
#
#   opsdeck-node-build:local    nodejs + npm   (NODE_IMAGE: the build and dependency stages)
#   opsdeck-node-runtime:local  nodejs only    (NODE_RUNTIME_IMAGE: the image that ships; npm's ~600 Debian
#                                               packages would more than double it)
#   opsdeck-redis:local         redis-server   (REDIS_IMAGE for docker-compose.yml, in place of `redis:7`)
#
# Debian 13 (trixie) is the release whose `nodejs` is Node 20. Both images get what the Dockerfile relies on from the
# official ones: a `node` user with uid 1000, and this machine's CA bundle (the file `npm config get cafile` names)
# as NODE_EXTRA_CA_CERTS, without which `npm ci` in the build fails behind a TLS-inspecting proxy with
# SELF_SIGNED_CERT_IN_CHAIN.
#
# Usage: scripts/docker-base.sh            (skips an image that already exists; --rebuild to make all anew)
set -euo pipefail

build_tag=opsdeck-node-build:local
runtime_tag=opsdeck-node-runtime:local
redis_tag=opsdeck-redis:local
docker=${DOCKER:-docker}

rebuild=0
[ "${1:-}" = "--rebuild" ] && rebuild=1

# The mirror this machine's apt sources name (deb822 `URIs:` or one-line `deb URL`), else Debian's own.
mirror=$(
  { grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}'
    grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{print $2}'
  } | grep -v -- '-security' | head -n1 || true
)
mirror=${mirror:-http://deb.debian.org/debian}

cafile=$(npm config get cafile 2>/dev/null || true)
case "$cafile" in ''|null|undefined) cafile=/etc/ssl/certs/ca-certificates.crt ;; esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$cafile" "$work/host-ca.crt"

# Docs, man pages and translations are dead weight in an image.
slim=(--dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*'
      --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*')

make_base() { # tag packages command
  local tag=$1 packages=$2 command=$3 name
  if [ "$rebuild" -eq 0 ] && "$docker" image inspect "$tag" >/dev/null 2>&1; then
    echo "==> $tag: present"
    return
  fi
  name=${tag%%:*}
  echo "==> $tag: mmdebstrap trixie ($packages) from $mirror"
  mmdebstrap --quiet --variant=apt --include="$packages" "${slim[@]}" trixie "$work/$name.tar" "$mirror"
  "$docker" import "$work/$name.tar" "$name-rootfs:local" >/dev/null
  rm -f "$work/$name.tar"
  "$docker" build --quiet --network host -t "$tag" -f - "$work" >/dev/null <<EOF
FROM $name-rootfs:local
COPY host-ca.crt /etc/ssl/certs/opsdeck-host-ca.crt
# Written by hand: the apt variant has no passwd package (useradd), and the user is all the image needs of it.
RUN echo 'node:x:1000:1000::/home/node:/bin/sh' >> /etc/passwd \
 && echo 'node:x:1000:' >> /etc/group \
 && mkdir -p /home/node && chown 1000:1000 /home/node \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/opsdeck-host-ca.crt
CMD ["$command"]
EOF
  "$docker" image rm "$name-rootfs:local" >/dev/null
}

# The three are independent, and each mostly waits on the mirror and dpkg: make them side by side.
pids=()
make_base "$build_tag" nodejs,npm,ca-certificates node & pids+=($!)
make_base "$runtime_tag" nodejs,ca-certificates node & pids+=($!)
make_base "$redis_tag" redis-server redis-server & pids+=($!)
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
[ "$failed" -eq 0 ] || { echo "building a base image failed (see above)" >&2; exit 1; }
"$docker" image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E '^opsdeck-(node|redis)-?'
