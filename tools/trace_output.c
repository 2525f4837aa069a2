/* The output rule of `hvtrace record` (trace_output.h): write beside, rename
 * into place, keep what was there as FILE.old. */
#include "trace_output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define MAX_NAME_TRIES 100

/* An existing FILE must be a regular file: renaming a trace onto a device
 * (-o /dev/null) or a FIFO would replace the node itself. */
static int check_target(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
	if (S_ISDIR(st.st_mode)) {
		cli_err("record: %s: is a directory; -o wants a file name", path);
		return HVT_EXIT_CANTCREAT;
	}
	if (!S_ISREG(st.st_mode)) {
		cli_err("record: %s: exists and is not a regular file (a device, FIFO or "
			"socket); -o wants a file name", path);
		return HVT_EXIT_CANTCREAT;
	}
	return 0;
}

static int fits(char *buf, size_t len, int n)
{
	return n > 0 && (size_t)n < len;
}

int trace_output_begin(struct trace_output *o, const char *path)
{
	int rc = check_target(path);
	if (rc > 0)
		return rc;
	if (!fits(o->final, sizeof(o->final), snprintf(o->final, sizeof(o->final), "%s", path)) ||
	    !fits(o->old, sizeof(o->old), snprintf(o->old, sizeof(o->old), "%s.old", path))) {
		cli_err("record: %s: path too long", path);
		return HVT_EXIT_CANTCREAT;
	}
	for (int i = 0; i < MAX_NAME_TRIES; i++) {
		int n = i ? snprintf(o->partial, sizeof(o->partial), "%s.%ld.%d.partial", path,
				     (long)getpid(), i)
			  : snprintf(o->partial, sizeof(o->partial), "%s.%ld.partial", path,
				     (long)getpid());
		if (!fits(o->partial, sizeof(o->partial), n))
			break;
		int fd = open(o->partial, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd >= 0) {
			close(fd);
			return 0;
		}
		if (errno != EEXIST) {
			cli_err("record: cannot create the trace %s: %s", path, strerror(errno));
			return HVT_EXIT_CANTCREAT;
		}
	}
	cli_err("record: cannot create a partial file beside %s", path);
	return HVT_EXIT_CANTCREAT;
}

int trace_output_commit(struct trace_output *o, int quiet)
{
	struct stat st;
	int had_old = stat(o->old, &st) == 0;
	if (stat(o->final, &st) == 0 && S_ISREG(st.st_mode)) {
		if (rename(o->final, o->old) != 0) {
			cli_err("record: cannot keep the previous %s as %s (%s); the new trace is %s",
				o->final, o->old, strerror(errno), o->partial);
			return HVT_EXIT_IOERR;
		}
		if (had_old)
			fprintf(stderr, "hvtrace: the previous %s is now %s (the older %s was "
					"replaced)\n", o->final, o->old, o->old);
		else if (!quiet)
			fprintf(stderr, "hvtrace: the previous %s is now %s\n", o->final, o->old);
	}
	if (rename(o->partial, o->final) != 0) {
		cli_err("record: cannot rename %s to %s (%s); the trace is in %s", o->partial,
			o->final, strerror(errno), o->partial);
		return HVT_EXIT_IOERR;
	}
	return 0;
}

void trace_output_discard(struct trace_output *o)
{
	if (o->partial[0])
		unlink(o->partial);
}
