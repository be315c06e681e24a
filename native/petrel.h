/*
 * petrel's native addon: the few socket operations Node.js lacks (setsockopt before connect,
 * TCP MD5 RFC 2385, GTSM RFC 5082, rtnetlink sockets, systemd notify). Plain N-API in C.
 *
 * Conventions of every exported function: a failed syscall is returned to JavaScript as its
 * errno name ("ECONNREFUSED"), never thrown, so the TypeScript wrapper decides what is an error;
 * a wrong argument type throws a TypeError, because that is a bug in the wrapper.
 */
#ifndef PETREL_H
#define PETREL_H

#define NAPI_VERSION 8
#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

/* Longest textual address we accept: an IPv6 address plus a "%zone" suffix. */
#define ADDRESS_TEXT_MAX 64

/* Reads exactly `count` arguments into argv; throws a TypeError and returns false otherwise. */
bool get_args(napi_env env, napi_callback_info info, size_t count, napi_value *argv);
bool get_int32(napi_env env, napi_value value, int32_t *out);
/* Copies a string argument into buf (NUL-terminated); throws if it does not fit. */
bool get_string(napi_env env, napi_value value, char *buf, size_t size);
bool get_buffer(napi_env env, napi_value value, void **data, size_t *length);

/* undefined for err == 0, else the errno name as a string. */
napi_value errno_result(napi_env env, int err);
napi_value int_result(napi_env env, int32_t value);

/* SO_DOMAIN of fd into *family; returns 0 or an errno. */
int socket_family(int fd, int *family);
/*
 * Builds the socket address for `text` on a socket of `family`. An IPv4 address on an AF_INET6
 * socket becomes IPv4-mapped (RFC 4291 §2.5.5.2), which is what the kernel expects on dual-stack
 * sockets, for connect and for TCP_MD5SIG alike. An IPv6 zone ("%eth0" or "%3") sets the scope
 * id that link-local peers need. Returns 0 or an errno.
 */
int parse_sockaddr(const char *text, int family, uint16_t port, struct sockaddr_storage *out,
                   socklen_t *length);

/*
 * A batch watcher's reader (watch.c): called when fd is readable, it reads up to a batch of
 * datagrams with MSG_DONTWAIT into `buffer` (the watcher's own, of the size given to
 * watch_batches), appends one JavaScript value per datagram to array, counting them in *count,
 * and returns 0 or the errno to report after them (EAGAIN is not an error).
 */
typedef int (*batch_reader)(napi_env env, int fd, unsigned char *buffer, napi_value array,
                            uint32_t *count);
/*
 * The body of a watchX(fd, callback) export: polls fd for reading on the Node event loop and
 * calls callback(errnoName | undefined, array) per batch that `read` produced. Returns the
 * watcher handle (for unwatch/refWatch), or an errno name when fd cannot be polled.
 */
napi_value watch_batches(napi_env env, napi_callback_info info, batch_reader read,
                         const char *name, size_t buffer_size);

/* Each source file registers its own functions on the exports object. */
bool define_socket_functions(napi_env env, napi_value exports);
bool define_watch_functions(napi_env env, napi_value exports);
bool define_notify_functions(napi_env env, napi_value exports);
bool define_udp_functions(napi_env env, napi_value exports);
bool define_function(napi_env env, napi_value exports, const char *name, napi_callback fn);

#endif
