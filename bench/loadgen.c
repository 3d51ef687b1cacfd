// Small load tools for bench/compare.sh that Debian's packages do not provide.
//
//   loadgen udp-echo PORT SECONDS
//       UDP echo server on 127.0.0.1:PORT (one thread, recvmmsg/sendmmsg batches); exits after SECONDS.
//   loadgen udp-load PORT SECONDS FLOWS WINDOW SIZE
//       FLOWS connected UDP sockets on 127.0.0.1 (one source port each, so a proxy sees FLOWS sessions) send
//       SIZE-byte datagrams to 127.0.0.1:PORT, at most WINDOW unanswered per flow; every reply allows the next
//       datagram. A flow that hears nothing for 20 ms refills its window, so loss cannot stall the run.
//       Prints one line: "sent=N received=N lost=N seconds=S rate=R" (rate = replies per second).
//   loadgen hold PORT COUNT SECONDS
//       opens COUNT TCP connections to 127.0.0.1:PORT, sends nothing, prints "held N" and waits SECONDS (or until
//       killed) before closing them. Used to measure a proxy's memory per idle connection.
//
// Everything is bounded by SECONDS; nothing leaves loopback.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct sockaddr_in loopback(int port) {
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
}

static void set_buffers(int fd, int bytes) {
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes);
}

enum { BATCH = 64, MAX_DATAGRAM = 2048 };

static int udp_echo(int port, double seconds) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    set_buffers(fd, 4 << 20);
    struct sockaddr_in addr = loopback(port);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        perror("udp-echo: bind");
        return 1;
    }
    static char buffers[BATCH][MAX_DATAGRAM];
    static struct sockaddr_in peers[BATCH];
    static struct iovec iovs[BATCH];
    static struct mmsghdr messages[BATCH];
    double deadline = now_seconds() + seconds;
    while (now_seconds() < deadline) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, 200) <= 0) continue;
        for (int i = 0; i < BATCH; i++) {
            iovs[i].iov_base = buffers[i];
            iovs[i].iov_len = MAX_DATAGRAM;
            memset(&messages[i].msg_hdr, 0, sizeof messages[i].msg_hdr);
            messages[i].msg_hdr.msg_iov = &iovs[i];
            messages[i].msg_hdr.msg_iovlen = 1;
            messages[i].msg_hdr.msg_name = &peers[i];
            messages[i].msg_hdr.msg_namelen = sizeof peers[i];
        }
        int count = recvmmsg(fd, messages, BATCH, MSG_DONTWAIT, NULL);
        if (count <= 0) continue;
        for (int i = 0; i < count; i++) iovs[i].iov_len = messages[i].msg_len;
        // A full socket buffer drops the rest of the batch: the load generator counts that as loss.
        sendmmsg(fd, messages, (unsigned)count, MSG_DONTWAIT);
    }
    close(fd);
    return 0;
}

struct flow {
    int fd;
    int outstanding;
    double last_reply;
};

static int udp_load(int port, double seconds, int flows, int window, int size) {
    if (flows < 1 || flows > 1024 || window < 1 || size < 1 || size > MAX_DATAGRAM) {
        fprintf(stderr, "udp-load: bad arguments\n");
        return 2;
    }
    struct flow *all = calloc((size_t)flows, sizeof *all);
    int epfd = epoll_create1(0);
    struct sockaddr_in target = loopback(port);
    for (int i = 0; i < flows; i++) {
        int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        set_buffers(fd, 1 << 20);
        if (fd < 0 || connect(fd, (struct sockaddr *)&target, sizeof target) != 0) {
            perror("udp-load: connect");
            return 1;
        }
        all[i].fd = fd;
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (unsigned)i};
        epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
    }
    char payload[MAX_DATAGRAM];
    memset(payload, 'u', sizeof payload);
    char sink[MAX_DATAGRAM];
    unsigned long long sent = 0, received = 0;
    double start = now_seconds();
    double deadline = start + seconds;
    for (int i = 0; i < flows; i++) all[i].last_reply = start;
    struct epoll_event events[64];
    double now = start;
    while (now < deadline) {
        for (int i = 0; i < flows; i++) {
            struct flow *f = &all[i];
            if (f->outstanding > 0 && now - f->last_reply > 0.020) {
                f->outstanding = 0;
                f->last_reply = now;
            }
            while (f->outstanding < window) {
                if (send(f->fd, payload, (size_t)size, MSG_DONTWAIT) < 0) break;
                f->outstanding++;
                sent++;
            }
        }
        int ready = epoll_wait(epfd, events, 64, 5);
        now = now_seconds();
        for (int e = 0; e < ready; e++) {
            struct flow *f = &all[events[e].data.u32];
            for (int k = 0; k < window * 2; k++) {
                ssize_t n = recv(f->fd, sink, sizeof sink, MSG_DONTWAIT);
                if (n < 0) break;
                received++;
                if (f->outstanding > 0) f->outstanding--;
                f->last_reply = now;
            }
        }
    }
    double elapsed = now_seconds() - start;
    // Replies still in flight at the deadline count as lost; they are at most FLOWS * WINDOW.
    unsigned long long lost = sent > received ? sent - received : 0;
    printf("sent=%llu received=%llu lost=%llu seconds=%.3f rate=%.0f\n", sent, received, lost, elapsed,
           (double)received / elapsed);
    return 0;
}

static int hold(int port, int count, double seconds) {
    struct sockaddr_in target = loopback(port);
    int *fds = calloc((size_t)count, sizeof *fds);
    int held = 0;
    double deadline = now_seconds() + seconds;
    for (int i = 0; i < count && now_seconds() < deadline; i++) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        if (fd < 0) {
            perror("hold: socket");
            break;
        }
        // Non-blocking connect with a 2 s bound, so a full accept queue cannot hang the benchmark.
        int rc = connect(fd, (struct sockaddr *)&target, sizeof target);
        if (rc != 0 && errno == EINPROGRESS) {
            struct pollfd pfd = {.fd = fd, .events = POLLOUT};
            int error = ETIMEDOUT;
            socklen_t length = sizeof error;
            if (poll(&pfd, 1, 2000) == 1) getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
            rc = error == 0 ? 0 : -1;
            errno = error;
        }
        if (rc != 0) {
            perror("hold: connect");
            close(fd);
            break;
        }
        fds[held++] = fd;
    }
    printf("held %d\n", held);
    fflush(stdout);
    while (now_seconds() < deadline) sleep(1);
    for (int i = 0; i < held; i++) close(fds[i]);
    return held == count ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc >= 4 && strcmp(argv[1], "udp-echo") == 0) return udp_echo(atoi(argv[2]), atof(argv[3]));
    if (argc >= 7 && strcmp(argv[1], "udp-load") == 0)
        return udp_load(atoi(argv[2]), atof(argv[3]), atoi(argv[4]), atoi(argv[5]), atoi(argv[6]));
    if (argc >= 5 && strcmp(argv[1], "hold") == 0) return hold(atoi(argv[2]), atoi(argv[3]), atof(argv[4]));
    fprintf(stderr,
            "usage: loadgen udp-echo PORT SECONDS | udp-load PORT SECONDS FLOWS WINDOW SIZE | hold PORT COUNT SECONDS\n");
    return 2;
}
