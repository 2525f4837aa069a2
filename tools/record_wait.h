/* record -- COMMAND: wait for the VMM while draining its records. */
#ifndef HVT_TOOLS_RECORD_WAIT_H
#define HVT_TOOLS_RECORD_WAIT_H

#include <stdint.h>
#include <sys/types.h>

#include "record_drain.h"

/* After SIGINT/SIGTERM/SIGHUP, how long the VMM gets to exit before it is
 * killed (a second signal kills at once), and how long a killed VMM gets to
 * be reaped before hvtrace finishes the trace regardless. */
#define RECORD_STOP_GRACE_NS 5000000000ull
#define RECORD_KILL_GRACE_NS 5000000000ull

struct record_wait_result {
	int wstatus;              /* COMMAND's wait status (valid when reaped) */
	int reaped;               /* COMMAND was reaped */
	int stop_signal;          /* the first SIGINT/SIGTERM/SIGHUP hvtrace got, or 0 */
	int killed;               /* hvtrace had to SIGKILL the VMM */
	pid_t recorder;           /* the process that recorded, 0 if none */
	char recorder_cmdline[4096]; /* its /proc/PID/cmdline, NULs as spaces */
};

/* Waits until COMMAND (child) and the recording process have both ended,
 * draining the rings meanwhile and once more at the end. SIGINT, SIGTERM
 * and SIGHUP are forwarded to the VMM; if it has not ended
 * RECORD_STOP_GRACE_NS later, or at a second signal, it is killed. Never
 * blocks forever once a stop signal came. Returns the drain's status. */
int record_wait(pid_t child, struct record_drain *d, struct record_wait_result *res);

/* Before the fork: makes hvtrace the reaper of COMMAND's orphans (a
 * recording grandchild whose parent exits stays waitable) and catches the
 * stop signals from now on. record_wait ends with record_wait_restore. */
void record_wait_prepare(void);
/* Default dispositions again (also when COMMAND could not be started). */
void record_wait_restore(void);

#endif
