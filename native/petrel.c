/*
 * Module entry point and the helpers every source file shares: argument readers, errno names,
 * address parsing. Also exports the header values of the socket constants, so a test can hold
 * the TypeScript tables (src/native/constants.ts) to the system headers.
 */
#define _GNU_SOURCE /* strerrorname_np, glibc 2.32 */
#include "petrel.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool get_args(napi_env env, napi_callback_info info, size_t count, napi_value *argv) {
  size_t argc = count;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != count) {
    napi_throw_type_error(env, NULL, "wrong number of arguments");
    return false;
  }
  return true;
}

bool get_int32(napi_env env, napi_value value, int32_t *out) {
  if (napi_get_value_int32(env, value, out) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected an integer");
    return false;
  }
  return true;
}

bool get_string(napi_env env, napi_value value, char *buf, size_t size) {
  size_t length = 0;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a string");
    return false;
  }
  if (length >= size) {
    napi_throw_type_error(env, NULL, "string argument too long");
    return false;
  }
  napi_get_value_string_utf8(env, value, buf, size, &length);
  return true;
}

bool get_buffer(napi_env env, napi_value value, void **data, size_t *length) {
  bool is_buffer = false;
  if (napi_is_buffer(env, value, &is_buffer) != napi_ok || !is_buffer) {
    napi_throw_type_error(env, NULL, "expected a Buffer");
    return false;
  }
  return napi_get_buffer_info(env, value, data, length) == napi_ok;
}

napi_value errno_result(napi_env env, int err) {
  napi_value result;
  if (err == 0) {
    napi_get_undefined(env, &result);
    return result;
  }
  /* glibc's table covers every errno (libuv's lacks some, such as EINPROGRESS). */
  char unknown[32];
  const char *name = strerrorname_np(err);
  if (!name) {
    snprintf(unknown, sizeof unknown, "ERRNO_%d", err);
    name = unknown;
  }
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &result);
  return result;
}

napi_value int_result(napi_env env, int32_t value) {
  napi_value result;
  napi_create_int32(env, value, &result);
  return result;
}

int socket_family(int fd, int *family) {
  socklen_t length = sizeof *family;
  return getsockopt(fd, SOL_SOCKET, SO_DOMAIN, family, &length) == 0 ? 0 : errno;
}

/* Splits "fe80::1%eth0" into the address and the interface index of its zone. */
static int split_zone(const char *text, char *address, size_t size, uint32_t *scope_id) {
  const char *percent = strchr(text, '%');
  size_t length = percent ? (size_t)(percent - text) : strlen(text);
  if (length >= size) return EINVAL;
  memcpy(address, text, length);
  address[length] = '\0';
  *scope_id = 0;
  if (!percent) return 0;
  const char *zone = percent + 1;
  char *end = NULL;
  unsigned long index = strtoul(zone, &end, 10);
  if (*zone != '\0' && *end == '\0') {
    *scope_id = (uint32_t)index;
    return 0;
  }
  *scope_id = if_nametoindex(zone);
  return *scope_id == 0 ? ENODEV : 0;
}

int parse_sockaddr(const char *text, int family, uint16_t port, struct sockaddr_storage *out,
                   socklen_t *length) {
  char address[ADDRESS_TEXT_MAX];
  uint32_t scope_id = 0;
  int err = split_zone(text, address, sizeof address, &scope_id);
  if (err) return err;
  memset(out, 0, sizeof *out);
  struct in_addr ip4;
  bool is_ip4 = scope_id == 0 && inet_pton(AF_INET, address, &ip4) == 1;
  if (family == AF_INET) {
    if (!is_ip4) return EAFNOSUPPORT;
    struct sockaddr_in *sin = (struct sockaddr_in *)out;
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    sin->sin_addr = ip4;
    *length = sizeof *sin;
    return 0;
  }
  if (family != AF_INET6) return EAFNOSUPPORT;
  struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(port);
  sin6->sin6_scope_id = scope_id;
  if (is_ip4) {
    sin6->sin6_addr.s6_addr[10] = 0xff;
    sin6->sin6_addr.s6_addr[11] = 0xff;
    memcpy(&sin6->sin6_addr.s6_addr[12], &ip4, sizeof ip4);
  } else if (inet_pton(AF_INET6, address, &sin6->sin6_addr) != 1) {
    return EINVAL;
  }
  *length = sizeof *sin6;
  return 0;
}

bool define_function(napi_env env, napi_value exports, const char *name, napi_callback fn) {
  napi_value function;
  return napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, NULL, &function) == napi_ok &&
         napi_set_named_property(env, exports, name, function) == napi_ok;
}

#define HEADER_CONSTANT(name) {#name, name}

static const struct {
  const char *name;
  int32_t value;
} header_constants[] = {
    HEADER_CONSTANT(AF_INET),          HEADER_CONSTANT(AF_INET6),
    HEADER_CONSTANT(SOL_SOCKET),       HEADER_CONSTANT(IPPROTO_IP),
    HEADER_CONSTANT(IPPROTO_IPV6),     HEADER_CONSTANT(IPPROTO_TCP),
    HEADER_CONSTANT(SOL_NETLINK),      HEADER_CONSTANT(SO_REUSEADDR),
    HEADER_CONSTANT(SO_KEEPALIVE),     HEADER_CONSTANT(SO_SNDBUF),
    HEADER_CONSTANT(SO_RCVBUF),        HEADER_CONSTANT(SO_SNDBUFFORCE),
    HEADER_CONSTANT(SO_RCVBUFFORCE),   HEADER_CONSTANT(IP_TOS),
    HEADER_CONSTANT(IP_TTL),           HEADER_CONSTANT(IP_MINTTL),
    HEADER_CONSTANT(IPV6_V6ONLY),      HEADER_CONSTANT(IPV6_UNICAST_HOPS),
    HEADER_CONSTANT(IPV6_MINHOPCOUNT), HEADER_CONSTANT(IPV6_TCLASS),
    HEADER_CONSTANT(TCP_NODELAY),      HEADER_CONSTANT(TCP_MD5SIG_MAXKEYLEN),
    HEADER_CONSTANT(NETLINK_ROUTE),    HEADER_CONSTANT(NETLINK_ADD_MEMBERSHIP),
    HEADER_CONSTANT(NETLINK_DROP_MEMBERSHIP), HEADER_CONSTANT(NETLINK_NO_ENOBUFS),
    HEADER_CONSTANT(NETLINK_EXT_ACK),  HEADER_CONSTANT(NETLINK_GET_STRICT_CHK),
    HEADER_CONSTANT(IP_RECVTTL),       HEADER_CONSTANT(IP_PKTINFO),
    HEADER_CONSTANT(IPV6_RECVHOPLIMIT), HEADER_CONSTANT(IPV6_RECVPKTINFO),
};

static bool define_constants(napi_env env, napi_value exports) {
  napi_value object;
  if (napi_create_object(env, &object) != napi_ok) return false;
  for (size_t i = 0; i < sizeof header_constants / sizeof header_constants[0]; i++) {
    if (napi_set_named_property(env, object, header_constants[i].name,
                                int_result(env, header_constants[i].value)) != napi_ok)
      return false;
  }
  return napi_set_named_property(env, exports, "headerConstants", object) == napi_ok;
}

NAPI_MODULE_INIT() {
  if (!define_socket_functions(env, exports) || !define_watch_functions(env, exports) ||
      !define_notify_functions(env, exports) || !define_udp_functions(env, exports) ||
      !define_constants(env, exports)) {
    napi_throw_error(env, NULL, "petrel addon: initialisation failed");
    return NULL;
  }
  return exports;
}
