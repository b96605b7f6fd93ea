/*
 * event-test: read from a FIFO through the loop, in the spirit of
 * libevent's classic sample.
 *
 *   event-test          creates a FIFO in a temporary directory, writes
 *                       three lines into it from a timer, then closes the
 *                       writer; the reader sees end-of-file and stops.
 *   event-test PATH     creates the FIFO PATH and reads what others write
 *                       into it (`echo hello > PATH`) until the last
 *                       writer closes it.
 *
 * Exits 0 when everything written was read (self-test mode), 1 otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event.h>

static const char *const lines[] = {"one\n", "two\n", "three\n"};
#define NLINES (sizeof(lines) / sizeof(lines[0]))

struct state {
	struct event rd;     /* the FIFO is readable */
	struct event wr_tmr; /* self-test: time to write the next line */
	int wfd;             /* self-test: our writer, -1 when closed */
	size_t written;      /* lines written so far */
	size_t nread;        /* bytes read */
	int eof;
};

static void on_read(evutil_socket_t fd, short what, void *arg)
{
	struct state *st = arg;
	char buf[256];
	ssize_t n;

	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		perror("read");
		event_del(&st->rd);
		return;
	}
	if (n == 0) {
		/* Every writer has gone: with EV_PERSIST the event would
		 * report EOF forever, so stop watching. */
		printf("end of file\n");
		st->eof = 1;
		event_del(&st->rd);
		return;
	}
	buf[n] = '\0';
	st->nread += (size_t)n;
	printf("%s: fd %d, what 0x%x, read %zd bytes: %s", __func__, (int)fd,
	       (unsigned)what, n, buf);
	if (buf[n - 1] != '\n')
		putchar('\n');
}

static void on_write_timer(evutil_socket_t fd, short what, void *arg)
{
	struct state *st = arg;
	struct timeval next = {0, 50000};
	const char *line = lines[st->written];

	(void)fd;
	(void)what;
	if (write(st->wfd, line, strlen(line)) != (ssize_t)strlen(line))
		perror("write");
	if (++st->written < NLINES) {
		evtimer_add(&st->wr_tmr, &next);
		return;
	}
	/* Closing the last writer is what makes the reader see EOF. */
	close(st->wfd);
	st->wfd = -1;
}

int main(int argc, char **argv)
{
	struct state st = {.wfd = -1};
	char tmpdir[] = "/tmp/event-test.XXXXXX";
	char path[PATH_MAX];
	int selftest = argc < 2;
	int rfd, ok = 1;
	size_t i, want = 0;

	if (event_init() == NULL) {
		fprintf(stderr,
		        "event-test: no event backend could be loaded\n");
		return 1;
	}
	if (selftest) {
		if (mkdtemp(tmpdir) == NULL) {
			perror("mkdtemp");
			return 1;
		}
		snprintf(path, sizeof(path), "%s/event.fifo", tmpdir);
	} else {
		snprintf(path, sizeof(path), "%s", argv[1]);
	}
	if (mkfifo(path, 0600) < 0 && errno != EEXIST) {
		perror("mkfifo");
		return 1;
	}
	/* Non-blocking, so open() does not wait for a writer and a read
	 * never blocks the loop. */
	rfd = open(path, O_RDONLY | O_NONBLOCK);
	if (rfd < 0) {
		perror("open");
		return 1;
	}
	if (selftest) {
		st.wfd = open(path, O_WRONLY | O_NONBLOCK);
		if (st.wfd < 0) {
			perror("open for writing");
			return 1;
		}
		struct timeval first = {0, 50000};

		evtimer_set(&st.wr_tmr, on_write_timer, &st);
		evtimer_add(&st.wr_tmr, &first);
	} else {
		printf("write to %s, e.g. echo hello > %s\n", path, path);
	}

	event_set(&st.rd, rfd, EV_READ | EV_PERSIST, on_read, &st);
	if (event_add(&st.rd, NULL) < 0) {
		fprintf(stderr, "event-test: event_add failed\n");
		return 1;
	}
	event_dispatch();

	close(rfd);
	if (selftest) {
		unlink(path);
		rmdir(tmpdir);
		for (i = 0; i < NLINES; i++)
			want += strlen(lines[i]);
		ok = st.eof && st.nread == want;
		printf("read %zu of %zu bytes on \"%s\"\n", st.nread, want,
		       event_get_method());
	}
	event_base_free(NULL);
	return ok ? 0 : 1;
}
