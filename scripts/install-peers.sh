#!/usr/bin/env bash
# Installs the real BGP daemons the interop tests run against (SPEC.md §4), idempotently:
# bird2, gobgpd, frr and iproute2 from Debian, and BIRD 1.6 unpacked beside bird2 (the two
# Debian packages conflict). Their system services are left alone: tests start their own.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
need=()
for pkg in bird2 gobgpd frr iproute2 iputils-ping tcpdump; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # policy-rc.d keeps Debian from starting frr/bird/gobgpd services on install.
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; rm_policy=1; fi
  apt-get install -y -qq "${need[@]}" >/dev/null
  [ "${rm_policy:-0}" = 1 ] && rm -f /usr/sbin/policy-rc.d
fi
bird16="$here/.peers/bird16"
if [ ! -x "$bird16/usr/sbin/bird" ]; then
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download bird >/dev/null 2>&1 || { apt-get update -qq && apt-get download bird >/dev/null; })
  mkdir -p "$bird16"
  dpkg -x "$tmp"/bird_*.deb "$bird16"
  rm -rf "$tmp"
fi
echo "peers: bird2 $(bird --version 2>&1 | awk '{print $NF}'), bird1.6 $("$bird16/usr/sbin/bird" --version 2>&1 | awk '{print $NF}'), gobgpd $(gobgpd --version 2>&1 | awk '{print $NF}'), frr $(dpkg-query -W -f='${Version}' frr)"
