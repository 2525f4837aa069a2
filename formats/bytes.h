/* Little-endian integers and LEB128 varints: the only way on-disk integers
 * are read or written, so byte order lives in one place. The core and replay
 * use the same helpers for guest data (registers, page tables, CPUID, ELF,
 * MMIO and port values): no other copy exists. */
#ifndef HVT_FORMATS_BYTES_H
#define HVT_FORMATS_BYTES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline void hvt_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void hvt_put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void hvt_put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint16_t hvt_get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t hvt_get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
	       ((uint32_t)p[3] << 24);
}

static inline uint64_t hvt_get_le64(const uint8_t *p)
{
	return (uint64_t)hvt_get_le32(p) | ((uint64_t)hvt_get_le32(p + 4) << 32);
}

/* The low size_bytes (0..8) bytes of v, little-endian: a guest access of
 * size_bytes, or a fixed-width field. */
static inline void hvt_put_le(uint8_t *p, uint64_t v, uint32_t size_bytes)
{
	for (uint32_t i = 0; i < size_bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* size_bytes (0..8) little-endian bytes, zero-extended. */
static inline uint64_t hvt_get_le(const uint8_t *p, uint32_t size_bytes)
{
	uint64_t v = 0;
	for (uint32_t i = 0; i < size_bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Longest varint of a 64-bit value. */
#define HVT_VARINT_MAX 10

/* Writes v as an unsigned LEB128 varint at p (room for HVT_VARINT_MAX bytes
 * is the caller's duty); returns the bytes written. */
static inline size_t hvt_put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

/* Reads a varint from [*pp, end). Returns 0 and advances *pp, or -1 when the
 * input ends inside the varint, runs past 10 bytes, overflows 64 bits, or is
 * overlong (a last byte of 0 after the first: not the canonical encoding). */
static inline int hvt_get_varint(const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
	const uint8_t *p = *pp;
	uint64_t v = 0;
	for (unsigned shift = 0; shift < 64; shift += 7) {
		if (p >= end)
			return -1;
		uint8_t b = *p++;
		if (shift == 63 && b > 1)
			return -1; /* bits past 64 */
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			if (b == 0 && shift > 0)
				return -1; /* overlong: the encoding is canonical */
			*pp = p;
			*out = v;
			return 0;
		}
	}
	return -1;
}

/* hvt_get_varint, unrolled without bounds checks when at least 10 bytes
 * remain (the longest varint); the checked loop only near the end. The
 * decoder's hot path: same results as hvt_get_varint, faster. */
static inline int hvt_get_varint_fast(const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
	const uint8_t *p = *pp;
	if (end - p < HVT_VARINT_MAX)
		return hvt_get_varint(pp, end, out);
	uint64_t b = p[0], v;
	if (b < 0x80) {
		*out = b;
		*pp = p + 1;
		return 0;
	}
	v = b & 0x7f;
	for (unsigned i = 1; i < 9; i++) {
		b = p[i];
		v |= (b & 0x7f) << (7 * i);
		if (b < 0x80) {
			if (b == 0)
				return -1; /* overlong: the encoding is canonical */
			*out = v;
			*pp = p + i + 1;
			return 0;
		}
	}
	b = p[9];
	if (b != 1)
		return -1; /* bits past 64, an 11th byte, or overlong */
	*out = v | (b << 63);
	*pp = p + 10;
	return 0;
}

static inline uint64_t hvt_zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t hvt_unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

#endif
