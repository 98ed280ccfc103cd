/* bind_probe.c — see calltop/lws_bind.h. */
#include "calltop/lws_bind.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

int ct_lws_bind_probe(const char *host, int port)
{
    if (port == 0) return 0;
    struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port)};
    struct sockaddr *sa;
    socklen_t len;
    if (inet_pton(AF_INET, host, &a4.sin_addr) == 1) {
        sa = (struct sockaddr *)&a4;
        len = sizeof a4;
    } else if (inet_pton(AF_INET6, host, &a6.sin6_addr) == 1) {
        sa = (struct sockaddr *)&a6;
        len = sizeof a6;
    } else {
        return 0;
    }
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return errno;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    int rc = bind(fd, sa, len) == 0 ? 0 : errno;
    close(fd);
    return rc;
}
