/*
 * Socket creation and options: TCP sockets configured before connect (TCP MD5 per RFC 2385,
 * TTL security per RFC 5082 need the option in place before the SYN), and rtnetlink sockets.
 */
#include "petrel.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <unistd.h>

static bool get_port(napi_env env, napi_value value, uint16_t *port, int *err) {
  int32_t number;
  if (!get_int32(env, value, &number)) return false;
  *err = number < 0 || number > UINT16_MAX ? EINVAL : 0;
  *port = (uint16_t)number;
  return true;
}

/* tcpSocket(4 | 6): a non-blocking, close-on-exec TCP socket fd, or an errno name. */
static napi_value js_tcp_socket(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t version;
  if (!get_args(env, info, 1, argv) || !get_int32(env, argv[0], &version)) return NULL;
  if (version != 4 && version != 6) return errno_result(env, EAFNOSUPPORT);
  int fd = socket(version == 4 ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                  IPPROTO_TCP);
  return fd < 0 ? errno_result(env, errno) : int_result(env, fd);
}

/*
 * The (fd, address, port) arguments of bind and connect, parsed into a sockaddr of the socket's
 * own family. Returns false when an argument has the wrong type (a JS exception is pending);
 * otherwise *err is 0 or the errno of a bad address.
 */
static bool sockaddr_args(napi_env env, napi_callback_info info, int32_t *fd, struct sockaddr_storage *address,
                          socklen_t *length, int *err) {
  napi_value argv[3];
  char text[ADDRESS_TEXT_MAX];
  uint16_t port;
  *err = 0;
  if (!get_args(env, info, 3, argv) || !get_int32(env, argv[0], fd) ||
      !get_string(env, argv[1], text, sizeof text) || !get_port(env, argv[2], &port, err))
    return false;
  int family = 0;
  if (!*err) *err = socket_family(*fd, &family);
  if (!*err) *err = parse_sockaddr(text, family, port, address, length);
  return true;
}

/* bindAddress(fd, address, port): undefined or an errno name. */
static napi_value js_bind_address(napi_env env, napi_callback_info info) {
  int32_t fd;
  struct sockaddr_storage address;
  socklen_t length = 0;
  int err;
  if (!sockaddr_args(env, info, &fd, &address, &length, &err)) return NULL;
  if (!err && bind(fd, (struct sockaddr *)&address, length) != 0) err = errno;
  return errno_result(env, err);
}

/* connect(fd, address, port): undefined when connected at once, "EINPROGRESS", or an errno name. */
static napi_value js_connect(napi_env env, napi_callback_info info) {
  int32_t fd;
  struct sockaddr_storage address;
  socklen_t length = 0;
  int err;
  if (!sockaddr_args(env, info, &fd, &address, &length, &err)) return NULL;
  if (!err && connect(fd, (struct sockaddr *)&address, length) != 0) err = errno;
  /* A signal during a non-blocking connect leaves the handshake running, as EINPROGRESS does. */
  return errno_result(env, err == EINTR ? EINPROGRESS : err);
}

/*
 * setTcpMd5(fd, peerAddress, key): installs (or, with an empty key, deletes) the RFC 2385 key for
 * one peer. On a listening socket the key is inherited by the sockets it accepts.
 */
static napi_value js_set_tcp_md5(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd;
  char text[ADDRESS_TEXT_MAX];
  void *key;
  size_t key_length;
  if (!get_args(env, info, 3, argv) || !get_int32(env, argv[0], &fd) ||
      !get_string(env, argv[1], text, sizeof text) ||
      !get_buffer(env, argv[2], &key, &key_length))
    return NULL;
  if (key_length > TCP_MD5SIG_MAXKEYLEN) return errno_result(env, EINVAL);
  int family = 0;
  struct tcp_md5sig md5;
  socklen_t length = 0;
  memset(&md5, 0, sizeof md5);
  int err = socket_family(fd, &family);
  if (!err) err = parse_sockaddr(text, family, 0, &md5.tcpm_addr, &length);
  if (!err) {
    md5.tcpm_keylen = (uint16_t)key_length;
    if (key_length > 0) memcpy(md5.tcpm_key, key, key_length);
    if (setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &md5, sizeof md5) != 0) err = errno;
  }
  memset(md5.tcpm_key, 0, sizeof md5.tcpm_key); /* keep the secret off the stack */
  return errno_result(env, err);
}

/* setIntOption(fd, level, name, value): undefined or an errno name. */
static napi_value js_set_int_option(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int32_t fd, level, name, value;
  if (!get_args(env, info, 4, argv) || !get_int32(env, argv[0], &fd) ||
      !get_int32(env, argv[1], &level) || !get_int32(env, argv[2], &name) ||
      !get_int32(env, argv[3], &value))
    return NULL;
  int option = value;
  int err = setsockopt(fd, level, name, &option, sizeof option) == 0 ? 0 : errno;
  return errno_result(env, err);
}

/* getIntOption(fd, level, name): the value, or an errno name. */
static napi_value js_get_int_option(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd, level, name;
  if (!get_args(env, info, 3, argv) || !get_int32(env, argv[0], &fd) ||
      !get_int32(env, argv[1], &level) || !get_int32(env, argv[2], &name))
    return NULL;
  int option = 0;
  socklen_t length = sizeof option;
  if (getsockopt(fd, level, name, &option, &length) != 0) return errno_result(env, errno);
  return int_result(env, option);
}

/* socketError(fd): undefined when SO_ERROR is clear, else its errno name (reading clears it). */
static napi_value js_socket_error(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!get_args(env, info, 1, argv) || !get_int32(env, argv[0], &fd)) return NULL;
  int pending = 0;
  socklen_t length = sizeof pending;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &pending, &length) != 0) return errno_result(env, errno);
  return errno_result(env, pending);
}

/* closeFd(fd): undefined or an errno name. EINTR still closed the fd on Linux: not an error. */
static napi_value js_close_fd(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!get_args(env, info, 1, argv) || !get_int32(env, argv[0], &fd)) return NULL;
  int err = close(fd) == 0 ? 0 : errno;
  return errno_result(env, err == EINTR ? 0 : err);
}

/* netlinkSocket(protocol): a non-blocking netlink fd bound to a kernel-chosen port id. */
static napi_value js_netlink_socket(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t protocol;
  if (!get_args(env, info, 1, argv) || !get_int32(env, argv[0], &protocol)) return NULL;
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) return errno_result(env, errno);
  struct sockaddr_nl local = {.nl_family = AF_NETLINK};
  if (bind(fd, (struct sockaddr *)&local, sizeof local) != 0) {
    int err = errno;
    close(fd);
    return errno_result(env, err);
  }
  return int_result(env, fd);
}

/* netlinkPortId(fd): the port id the kernel assigned at bind, or an errno name. */
static napi_value js_netlink_port_id(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!get_args(env, info, 1, argv) || !get_int32(env, argv[0], &fd)) return NULL;
  struct sockaddr_nl local;
  socklen_t length = sizeof local;
  if (getsockname(fd, (struct sockaddr *)&local, &length) != 0) return errno_result(env, errno);
  if (local.nl_family != AF_NETLINK) return errno_result(env, ENOTSOCK);
  napi_value result;
  napi_create_uint32(env, local.nl_pid, &result);
  return result;
}

/* netlinkSend(fd, buffer): sends one datagram to the kernel; undefined or an errno name. */
static napi_value js_netlink_send(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  void *data;
  size_t length;
  if (!get_args(env, info, 2, argv) || !get_int32(env, argv[0], &fd) ||
      !get_buffer(env, argv[1], &data, &length))
    return NULL;
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  ssize_t sent;
  do {
    sent = sendto(fd, data, length, 0, (struct sockaddr *)&kernel, sizeof kernel);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) return errno_result(env, errno);
  return errno_result(env, (size_t)sent == length ? 0 : EMSGSIZE);
}

/*
 * netlinkSkipPort(fd, port): attaches a socket filter that drops, inside the kernel, every
 * datagram whose first message carries nlmsg_pid == port. The kernel stamps a notification with
 * the port id of the socket whose request caused it (rtnl_notify), so a listener can skip the echo
 * of its own process's writes before it is queued: no skb charged to the receive buffer, no
 * recvmsg, no copy (the route-install hot path, where every write echoes). Notifications are one
 * message per datagram, so the first header speaks for the datagram. Replaces any earlier filter.
 */
static napi_value js_netlink_skip_port(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  uint32_t port;
  if (!get_args(env, info, 2, argv) || !get_int32(env, argv[0], &fd)) return NULL;
  if (napi_get_value_uint32(env, argv[1], &port) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a port id");
    return NULL;
  }
  /* Classic BPF loads words in network byte order; nlmsg_pid is in host order. */
  struct sock_filter code[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct nlmsghdr, nlmsg_pid)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ntohl(port), 0, 1),
      BPF_STMT(BPF_RET | BPF_K, 0),
      BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
  };
  struct sock_fprog program = {.len = sizeof code / sizeof code[0], .filter = code};
  int err = setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) == 0 ? 0 : errno;
  return errno_result(env, err);
}

bool define_socket_functions(napi_env env, napi_value exports) {
  return define_function(env, exports, "tcpSocket", js_tcp_socket) &&
         define_function(env, exports, "bindAddress", js_bind_address) &&
         define_function(env, exports, "connect", js_connect) &&
         define_function(env, exports, "setTcpMd5", js_set_tcp_md5) &&
         define_function(env, exports, "setIntOption", js_set_int_option) &&
         define_function(env, exports, "getIntOption", js_get_int_option) &&
         define_function(env, exports, "socketError", js_socket_error) &&
         define_function(env, exports, "closeFd", js_close_fd) &&
         define_function(env, exports, "netlinkSocket", js_netlink_socket) &&
         define_function(env, exports, "netlinkPortId", js_netlink_port_id) &&
         define_function(env, exports, "netlinkSend", js_netlink_send) &&
         define_function(env, exports, "netlinkSkipPort", js_netlink_skip_port);
}
