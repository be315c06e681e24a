/*
 * UDP sockets that report the TTL (IPv4) or hop limit (IPv6) each datagram arrived with, which
 * Node's dgram cannot: BFD (RFC 5881 §5) must discard packets whose TTL is not 255, and
 * IP_MINTTL does not filter UDP on Linux. Binding, SO_REUSEADDR and the sending TTL go through
 * the generic helpers of socket.c (bindAddress, setIntOption).
 *
 * udpSocket(4 | 6): fd or errno name. Non-blocking, close-on-exec; IP_RECVTTL and IP_PKTINFO
 *   (IPv4) or IPV6_V6ONLY, IPV6_RECVHOPLIMIT and IPV6_RECVPKTINFO (IPv6) are set.
 * udpSend(fd, address, port, data): undefined or an errno name.
 * localPort(fd): the bound port (getsockname), or an errno name.
 * watchUdp(fd, cb): cb(errnoName | undefined, datagrams) per batch, each datagram
 *   { data: Buffer, address, port, ttl, ifindex? }; ttl is -1 when the control message is missing,
 *   ifindex (the receiving interface) is present when the kernel reported it.
 */
#define _GNU_SOURCE /* struct in6_pktinfo */
#include "petrel.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

/* Datagrams handed to JavaScript per wake-up; the rest wait for the next loop iteration. */
#define UDP_BATCH_MAX 64
/* The largest UDP payload over IPv4 or IPv6 (without jumbograms): nothing is ever truncated. */
#define UDP_RECV_SIZE 65536
/* Room for the TTL / hop limit and packet-info control messages, with margin. */
#define UDP_CONTROL_SIZE 256

static bool set_int(int fd, int level, int name, int value, int *err) {
  if (setsockopt(fd, level, name, &value, sizeof value) == 0) return true;
  *err = errno;
  return false;
}

static napi_value js_udp_socket(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t version;
  if (!get_args(env, info, 1, argv) || !get_int32(env, argv[0], &version)) return NULL;
  if (version != 4 && version != 6) return errno_result(env, EAFNOSUPPORT);
  int fd = socket(version == 4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                  IPPROTO_UDP);
  if (fd < 0) return errno_result(env, errno);
  int err = 0;
  bool ok = version == 4 ? set_int(fd, IPPROTO_IP, IP_RECVTTL, 1, &err) &&
                               set_int(fd, IPPROTO_IP, IP_PKTINFO, 1, &err)
                         : set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1, &err) &&
                               set_int(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1, &err) &&
                               set_int(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1, &err);
  if (!ok) {
    close(fd);
    return errno_result(env, err);
  }
  return int_result(env, fd);
}

static napi_value js_udp_send(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int32_t fd, port;
  char text[ADDRESS_TEXT_MAX];
  void *data;
  size_t length;
  if (!get_args(env, info, 4, argv) || !get_int32(env, argv[0], &fd) ||
      !get_string(env, argv[1], text, sizeof text) || !get_int32(env, argv[2], &port) ||
      !get_buffer(env, argv[3], &data, &length))
    return NULL;
  if (port <= 0 || port > UINT16_MAX) return errno_result(env, EINVAL);
  struct sockaddr_storage address;
  socklen_t address_length = 0;
  int family = 0;
  int err = socket_family(fd, &family);
  if (!err) err = parse_sockaddr(text, family, (uint16_t)port, &address, &address_length);
  if (err) return errno_result(env, err);
  ssize_t sent;
  do {
    sent = sendto(fd, data, length, 0, (struct sockaddr *)&address, address_length);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) return errno_result(env, errno);
  return errno_result(env, (size_t)sent == length ? 0 : EMSGSIZE);
}

static napi_value js_local_port(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!get_args(env, info, 1, argv) || !get_int32(env, argv[0], &fd)) return NULL;
  struct sockaddr_storage local;
  socklen_t length = sizeof local;
  if (getsockname(fd, (struct sockaddr *)&local, &length) != 0) return errno_result(env, errno);
  if (local.ss_family == AF_INET)
    return int_result(env, ntohs(((struct sockaddr_in *)&local)->sin_port));
  if (local.ss_family == AF_INET6)
    return int_result(env, ntohs(((struct sockaddr_in6 *)&local)->sin6_port));
  return errno_result(env, EAFNOSUPPORT);
}

/*
 * The source address as text. A scoped (link-local) IPv6 source gets its zone as Node writes it,
 * "fe80::1%eth0" (the index when the interface has no name any more), which parse_sockaddr
 * accepts back for the reply.
 */
static void source_text(const struct sockaddr_storage *source, char *text, size_t size,
                        uint16_t *port) {
  text[0] = '\0';
  *port = 0;
  if (source->ss_family == AF_INET) {
    const struct sockaddr_in *sin = (const struct sockaddr_in *)source;
    inet_ntop(AF_INET, &sin->sin_addr, text, (socklen_t)size);
    *port = ntohs(sin->sin_port);
  } else if (source->ss_family == AF_INET6) {
    const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)source;
    inet_ntop(AF_INET6, &sin6->sin6_addr, text, (socklen_t)size);
    *port = ntohs(sin6->sin6_port);
    if (sin6->sin6_scope_id != 0) {
      char name[IF_NAMESIZE];
      size_t used = strlen(text);
      if (if_indextoname(sin6->sin6_scope_id, name))
        snprintf(text + used, size - used, "%%%s", name);
      else
        snprintf(text + used, size - used, "%%%u", sin6->sin6_scope_id);
    }
  }
}

/* The received TTL / hop limit (-1 if absent) and interface index (0 if absent). */
static void read_control(struct msghdr *msg, int32_t *ttl, uint32_t *ifindex) {
  *ttl = -1;
  *ifindex = 0;
  for (struct cmsghdr *cmsg = CMSG_FIRSTHDR(msg); cmsg; cmsg = CMSG_NXTHDR(msg, cmsg)) {
    if ((cmsg->cmsg_level == IPPROTO_IP && cmsg->cmsg_type == IP_TTL) ||
        (cmsg->cmsg_level == IPPROTO_IPV6 && cmsg->cmsg_type == IPV6_HOPLIMIT)) {
      int value;
      memcpy(&value, CMSG_DATA(cmsg), sizeof value);
      *ttl = value;
    } else if (cmsg->cmsg_level == IPPROTO_IP && cmsg->cmsg_type == IP_PKTINFO) {
      struct in_pktinfo packet;
      memcpy(&packet, CMSG_DATA(cmsg), sizeof packet);
      *ifindex = (uint32_t)packet.ipi_ifindex;
    } else if (cmsg->cmsg_level == IPPROTO_IPV6 && cmsg->cmsg_type == IPV6_PKTINFO) {
      struct in6_pktinfo packet;
      memcpy(&packet, CMSG_DATA(cmsg), sizeof packet);
      *ifindex = packet.ipi6_ifindex;
    }
  }
}

static napi_value datagram_object(napi_env env, const unsigned char *data, size_t length,
                                  const struct sockaddr_storage *source, int32_t ttl,
                                  uint32_t ifindex) {
  char text[ADDRESS_TEXT_MAX];
  uint16_t port;
  source_text(source, text, sizeof text, &port);
  napi_value object, buffer, address, value;
  napi_create_object(env, &object);
  napi_create_buffer_copy(env, length, data, NULL, &buffer);
  napi_set_named_property(env, object, "data", buffer);
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &address);
  napi_set_named_property(env, object, "address", address);
  napi_set_named_property(env, object, "port", int_result(env, port));
  napi_set_named_property(env, object, "ttl", int_result(env, ttl));
  if (ifindex != 0) {
    napi_create_uint32(env, ifindex, &value);
    napi_set_named_property(env, object, "ifindex", value);
  }
  return object;
}

/*
 * Reads until EAGAIN or a full batch. A truncated datagram (impossible at UDP_RECV_SIZE) is
 * dropped and reported as EMSGSIZE after the batch; any other error ends the batch.
 */
static int read_udp_batch(napi_env env, int fd, unsigned char *buffer, napi_value array,
                          uint32_t *count) {
  int lost = 0;
  for (int attempt = 0; attempt < UDP_BATCH_MAX; attempt++) {
    struct sockaddr_storage source;
    union {
      struct cmsghdr align;
      unsigned char bytes[UDP_CONTROL_SIZE];
    } control;
    struct iovec iov = {.iov_base = buffer, .iov_len = UDP_RECV_SIZE};
    struct msghdr msg = {.msg_name = &source,
                         .msg_namelen = sizeof source,
                         .msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = control.bytes,
                         .msg_controllen = sizeof control.bytes};
    ssize_t length = recvmsg(fd, &msg, MSG_DONTWAIT);
    if (length < 0 && errno == EINTR) continue;
    if (length < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? lost : errno;
    if (msg.msg_flags & MSG_TRUNC) {
      if (!lost) lost = EMSGSIZE;
      continue;
    }
    int32_t ttl;
    uint32_t ifindex;
    read_control(&msg, &ttl, &ifindex);
    napi_value datagram = datagram_object(env, buffer, (size_t)length, &source, ttl, ifindex);
    napi_set_element(env, array, (*count)++, datagram);
  }
  return lost;
}

static napi_value js_watch_udp(napi_env env, napi_callback_info info) {
  return watch_batches(env, info, read_udp_batch, "petrel.UdpWatch", UDP_RECV_SIZE);
}

bool define_udp_functions(napi_env env, napi_value exports) {
  return define_function(env, exports, "udpSocket", js_udp_socket) &&
         define_function(env, exports, "udpSend", js_udp_send) &&
         define_function(env, exports, "localPort", js_local_port) &&
         define_function(env, exports, "watchUdp", js_watch_udp);
}
