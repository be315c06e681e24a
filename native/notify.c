/*
 * systemd readiness protocol (sd_notify(3)): one AF_UNIX datagram such as "READY=1" sent to the
 * socket named by $NOTIFY_SOCKET, a filesystem path or, with a leading '@', an abstract name.
 */
#include "petrel.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

/* sdNotify(socketName, message: Buffer): undefined or an errno name. */
static napi_value js_sd_notify(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  struct sockaddr_un address = {.sun_family = AF_UNIX};
  char name[PATH_MAX]; /* longer than sun_path, so an overlong name gets ENAMETOOLONG below */
  void *message;
  size_t message_length;
  if (!get_args(env, info, 2, argv) || !get_string(env, argv[0], name, sizeof name) ||
      !get_buffer(env, argv[1], &message, &message_length))
    return NULL;
  size_t name_length = strlen(name);
  if (name[0] != '/' && name[0] != '@') return errno_result(env, EAFNOSUPPORT);
  /* A path needs room for its NUL; an abstract name has none and may fill sun_path. */
  if (name[0] == '/' && name_length >= sizeof address.sun_path) return errno_result(env, ENAMETOOLONG);
  if (name_length > sizeof address.sun_path) return errno_result(env, ENAMETOOLONG);
  memcpy(address.sun_path, name, name_length);
  if (name[0] == '@') address.sun_path[0] = '\0';
  socklen_t length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + name_length);

  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno_result(env, errno);
  ssize_t sent;
  do {
    sent = sendto(fd, message, message_length, MSG_NOSIGNAL, (struct sockaddr *)&address, length);
  } while (sent < 0 && errno == EINTR);
  int err = sent < 0 ? errno : (size_t)sent == message_length ? 0 : EMSGSIZE;
  close(fd);
  return errno_result(env, err);
}

bool define_notify_functions(napi_env env, napi_value exports) {
  return define_function(env, exports, "sdNotify", js_sd_notify);
}
