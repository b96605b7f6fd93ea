/* Running real DNS software (dig, dnsmasq) as child processes. */
#ifndef LIBEV_DNS_TEST_SPAWN_H
#define LIBEV_DNS_TEST_SPAWN_H

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "dns-test-util.h"

/* Full path of `prog` found in PATH or the sbin directories, or NULL. */
static inline const char *sp_find(const char *prog, char *buf, size_t size)
{
	const char *path = getenv("PATH");
	char dirs[4096];
	char *save = NULL, *d;

	snprintf(dirs, sizeof(dirs), "%s:/usr/sbin:/sbin:/usr/bin",
		 path ? path : "");
	for (d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(buf, size, "%s/%s", d, prog);
		if (access(buf, X_OK) == 0)
			return buf;
	}
	return NULL;
}

/* Starts argv[0] with stdout (and stderr) into a pipe; returns the pid and
 * the read end (non-blocking) in *out_fd, or -1. */
static inline pid_t sp_start(char *const argv[], int *out_fd)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return -1;
	}
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	*out_fd = p[0];
	return pid;
}

struct sp_output {
	char buf[65536];
	size_t len;
	int eof;
};

static inline void sp_read(evutil_socket_t fd, short what, void *arg)
{
	struct sp_output *o = arg;
	ssize_t n;

	(void)what;
	n = read(fd, o->buf + o->len, sizeof(o->buf) - 1 - o->len);
	if (n > 0) {
		o->len += (size_t)n;
		o->buf[o->len] = '\0';
	} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		o->eof = 1;
	}
}

/* Runs a child to completion while the loop keeps serving; returns its
 * exit status (or -1 on the time limit, after killing it). */
static inline int sp_run(struct event_base *b, char *const argv[],
			 struct sp_output *o, int ms)
{
	struct event ev;
	int fd, status = -1;
	pid_t pid = sp_start(argv, &fd);

	memset(o, 0, sizeof(*o));
	if (pid < 0)
		return -1;
	event_assign(&ev, b, fd, EV_READ | EV_PERSIST, sp_read, o);
	event_add(&ev, NULL);
	if (tu_run_until(b, &o->eof, ms) < 0)
		kill(pid, SIGKILL);
	event_del(&ev);
	close(fd);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* A loopback port that was free a moment ago (UDP and TCP). */
static inline int sp_free_port(void)
{
	int u, t, port;

	if (tu_udp_tcp_pair(&u, &t, &port) < 0)
		return -1;
	close(u);
	close(t);
	return port;
}

#endif
