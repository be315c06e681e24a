# petrel's native addon (N-API, C): socket options before connect (TCP MD5, TTL security),
# rtnetlink sockets that report overflow instead of aborting, UDP sockets that report each
# datagram's received TTL (BFD, RFC 5881 §5), and systemd notify.
# npm runs `node-gyp rebuild` on install because this file exists at the package root.
{
  "targets": [
    {
      "target_name": "petrel",
      "sources": [
        "native/petrel.c",
        "native/socket.c",
        "native/watch.c",
        "native/notify.c",
        "native/udp.c"
      ],
      "cflags_c": ["-std=gnu11", "-Wall", "-Wextra", "-Wshadow", "-Wconversion", "-Wno-sign-conversion"]
    }
  ]
}
