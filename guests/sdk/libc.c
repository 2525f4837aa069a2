/* The two functions gcc may call even in freestanding code; shared by the
 * x86-64 and arm64 SDKs (both build with -mgeneral-regs-only, so interrupt
 * handlers that call them need not save FP/SIMD registers). */
#include <stddef.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}
