#!/usr/bin/env bash
# Captures the rtnetlink requests iproute2 sends, and some kernel replies, as hex fixtures for
# test/kernel/netlink/: each fixture is one or more datagrams read from `strace -e write=/read=`
# hex dumps of `ip`/`bridge` run inside a throwaway network namespace (removed on exit).
# Usage: scripts/capture-netlink.sh [output dir]; needs root, strace and iproute2.
set -euo pipefail
out="${1:-$(dirname "$0")/../test/fixtures/netlink}"
ns="petrel-nlcap-$$"
trace="$(mktemp)"
cleanup() { ip netns del "$ns" 2>/dev/null || true; rm -f "$trace"; }
trap cleanup EXIT
mkdir -p "$out"

ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link add veth0 type veth peer name veth1
ip -n "$ns" link set veth0 up
ip -n "$ns" link set veth1 up
ip -n "$ns" addr add 192.0.2.10/24 dev veth0
ip -n "$ns" addr add 2001:db8:ff::10/64 dev veth0 nodad
veth0="$(ip -n "$ns" -o link show veth0 | cut -d: -f1)"

# hexdump SYSCALL NLMSG_TYPE: prints each datagram of SYSCALL (sendmsg/recvmsg) in $trace whose
# first message has that nlmsg_type (a decimal), 16 octets per line, a "# datagram" line before each.
hexdump() {
  awk -v want_call="$1" -v want_type="$2" '
    function octet(h) { return (index("0123456789abcdef", substr(h, 1, 1)) - 1) * 16 + index("0123456789abcdef", substr(h, 2, 1)) - 1 }
    function flush() {
      # nlmsg_type is octets 4-5, little-endian (x86-64 and arm64 hosts).
      if (call == want_call && n >= 6 && octet(b[5]) * 256 + octet(b[4]) == want_type) {
        print "# datagram"
        for (i = 0; i < n; i++) printf "%s%s", b[i], ((i % 16 == 15 || i == n - 1) ? "\n" : " ")
      }
      n = 0
    }
    /^(sendmsg|recvmsg|sendto|recvfrom)\(/ { flush(); call = substr($0, 1, index($0, "(") - 1); next }
    /^ \| [0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]  / {
      hex = substr($0, 11, 49)
      m = split(hex, t, /[ ]+/)
      for (i = 1; i <= m; i++) if (t[i] ~ /^[0-9a-f][0-9a-f]$/) b[n++] = t[i]
      next
    }
    END { flush() }
  ' "$trace"
}

# capture NAME SYSCALL NLMSG_TYPE COMMAND...: runs COMMAND in the namespace under strace and
# writes NAME.hex with the matching datagrams.
capture() {
  local name="$1" call="$2" type="$3"
  shift 3
  ip netns exec "$ns" strace -o "$trace" -e trace=sendmsg,recvmsg -e write=all -e read=all -xx "$@" >/dev/null 2>&1 || true
  {
    echo "# $*"
    echo "# $call, first nlmsg_type $type; ifindex veth0 $veth0; captured by scripts/capture-netlink.sh"
    hexdump "$call" "$type"
  } >"$out/$name.hex"
  grep -q '^# datagram' "$out/$name.hex" || { echo "no $call of type $type for: $*" >&2; exit 1; }
}

# Requests (RTM_NEWROUTE 24, RTM_DELROUTE 25, RTM_NEWLINK 16, RTM_NEWADDR 20, RTM_NEWNEIGH 28).
capture route-v4-onlink sendmsg 24 ip route add 10.1.2.0/26 via 192.0.2.254 dev veth0 onlink proto bird metric 50
capture route-v6-gateway sendmsg 24 ip -6 route add 2001:db8:1::/48 via 2001:db8:ff::fe dev veth0 proto bird metric 1024
capture route-v4-blackhole sendmsg 24 ip route add blackhole 10.1.3.0/26 proto bird
capture route-v6-blackhole sendmsg 24 ip -6 route add blackhole 2001:db8:2::/122 proto bird
capture route-v4-multipath sendmsg 24 ip route add 10.1.4.0/26 proto bird nexthop via 192.0.2.1 dev veth0 onlink weight 1 nexthop via 192.0.2.2 dev veth0 onlink weight 3
capture route-v4-table sendmsg 24 ip route add 10.1.5.0/26 via 192.0.2.254 dev veth0 proto bird table 1000
capture route-v4-replace sendmsg 24 ip route replace 10.1.6.0/26 via 192.0.2.254 dev veth0 proto bird src 192.0.2.10
capture route-v4-delete sendmsg 25 ip route del 10.1.3.0/26 proto bird table main
capture link-vxlan sendmsg 16 ip link add vxlan.calico mtu 1450 type vxlan id 4096 local 192.0.2.10 dev veth0 dstport 4789 nolearning
vxlan="$(ip -n "$ns" -o link show vxlan.calico | cut -d: -f1)"
capture link-up sendmsg 16 ip link set dev vxlan.calico up
capture address-v4 sendmsg 20 ip addr add 10.244.0.1/32 dev vxlan.calico
capture neigh-permanent sendmsg 28 ip neigh replace 10.244.1.1 lladdr 66:77:88:99:aa:bb dev vxlan.calico nud permanent
capture neigh-fdb sendmsg 28 bridge fdb replace 66:77:88:99:aa:bb dev vxlan.calico dst 192.0.2.20 self permanent

# Kernel replies (NLMSG_ERROR 2 with extended ACK; RTM_NEWROUTE/NEWLINK dump parts).
capture error-invalid-prefix recvmsg 2 ip route add 10.9.0.1/24 dev veth0
capture error-exists recvmsg 2 ip route add 10.1.2.0/26 via 192.0.2.254 dev veth0 onlink proto bird metric 50
capture dump-routes-v4 recvmsg 24 ip route show table all
capture dump-link-vxlan recvmsg 16 ip -d link show dev vxlan.calico
echo "# ifindex vxlan.calico $vxlan" >>"$out/link-up.hex"
echo "captured into $out"
