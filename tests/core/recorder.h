/* The test-only "recorder" backend's counters (see recorder-backend.c). */
#ifndef LIBEV_TEST_RECORDER_H
#define LIBEV_TEST_RECORDER_H

#define RECORDER_MAX_FD 256
#define RECORDER_LOG    64

enum { RECORDER_ADD = 1, RECORDER_DEL, RECORDER_REINIT };

struct recorder_call {
	int op;
	int fd;
	int old_mask;
	int new_mask;
};

struct recorder_stats {
	int ninit, ndealloc, ndispatch;
	int nadd, ndel, nreinit;
	int bad_fdinfo;
	int inject_bogus; /* set by the test: report nonsense fds */
	int ncalls;
	struct recorder_call calls[RECORDER_LOG];
};

/** Exported by libev-backend-recorder.so. */
struct recorder_stats *recorder_stats(void);
/** Its type, for dlsym(). */
typedef struct recorder_stats *(*recorder_stats_fn)(void);

#endif
