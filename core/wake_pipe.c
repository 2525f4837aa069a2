#include "wake_pipe.h"

#include <fcntl.h>
#include <unistd.h>
#include "hvtrace/error.h"

int hvt_wake_pipe(int *read_fd, int *write_fd)
{
	int fds[2];

	if (pipe(fds) < 0)
		return HVT_E_IO;
	for (int i = 0; i < 2; i++) {
		fcntl(fds[i], F_SETFL, O_NONBLOCK);
		fcntl(fds[i], F_SETFD, FD_CLOEXEC);
	}
	*read_fd = fds[0];
	*write_fd = fds[1];
	return 0;
}
