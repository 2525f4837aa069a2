/* The x86-64 register set served to gdb and lldb: its target description
 * (target.xml) and the bytes of each register, from the 18-register file
 * and the backend's system registers. x86-64 only for now. */
#ifndef HVT_GDB_REGS_H
#define HVT_GDB_REGS_H

#include <stddef.h>
#include <stdint.h>

#include "core/backend.h"

#define GDB_NREGS 65u
#define GDB_REG_MAX_BYTES 16u
#define GDB_REG_RIP 16u

/* target.xml, NUL-terminated, built once (static storage, read-only after). */
const char *gdb_target_xml(void);
/* Size in bytes of register n (0 for an unknown n). */
unsigned gdb_reg_bytes(unsigned n);
/* Total bytes of the 'g' packet. */
unsigned gdb_regs_total_bytes(void);
/* Register n's bytes (little-endian) from the register file and sysregs. */
void gdb_reg_read(unsigned n, const hvt_regs *r, const hvt_x86_sysregs *s, uint8_t *out);
/* Write register n into r; -1 when it is not one of the 18 writable ones. */
int gdb_reg_write(unsigned n, hvt_regs *r, const uint8_t *in, size_t len);

#endif
