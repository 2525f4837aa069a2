/* hvtrace guest SDK: console text helpers shared by the x86-64 and arm64
 * guest headers. Include it after defining hvt_putc(char), which is the only
 * part that differs (a port write on x86-64, an MMIO write on arm64). */
#ifndef HVT_GUEST_PRINT_H
#define HVT_GUEST_PRINT_H

#include <stdint.h>

static inline void hvt_puts(const char *s)
{
	while (*s)
		hvt_putc(*s++);
}

static inline void hvt_put_u64(uint64_t v)
{
	char buf[21];
	int i = 20;

	buf[i] = 0;
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	hvt_puts(buf + i);
}

static inline void hvt_put_hex64(uint64_t v)
{
	static const char digits[] = "0123456789abcdef";

	hvt_puts("0x");
	for (int s = 60; s >= 0; s -= 4)
		hvt_putc(digits[(v >> s) & 0xf]);
}

#endif
