/* hvtrace record -- COMMAND: run an unmodified KVM VMM under the shim. */
#ifndef HVT_TOOLS_RECORD_COMMAND_H
#define HVT_TOOLS_RECORD_COMMAND_H

/* Runs argv[0..argc-1] with the LD_PRELOAD shim recording into out_path.
 * Returns the command's exit status (128 + n when killed by signal n), or
 * a nonzero status with a message when nothing could be recorded. */
int record_command_run(const char *out_path, int quiet, int argc, char **argv);

#endif
