/* hvtrace core: the self-pipe used to wake a thread from a signal handler or
 * another thread (a halted vCPU, the HVF backend's kicker). */
#ifndef HVT_CORE_WAKE_PIPE_H
#define HVT_CORE_WAKE_PIPE_H

/* pipe(2) with both ends non-blocking (a full pipe means a wake is already
 * pending; a drain never blocks) and close-on-exec. 0 or HVT_E_IO. */
int hvt_wake_pipe(int *read_fd, int *write_fd);

#endif
