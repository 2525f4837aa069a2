/* A seeded, deterministic PRNG for tests (splitmix64): the same seed gives
 * the same sequence on every machine and every run, so a failure reproduces
 * from the seed printed with it. Never rand(): its sequence is the libc's. */
#ifndef HVT_TEST_PRNG_H
#define HVT_TEST_PRNG_H

#include <stddef.h>
#include <stdint.h>

struct tprng {
	uint64_t state;
};

static inline void tprng_seed(struct tprng *p, uint64_t seed)
{
	p->state = seed;
}

static inline uint64_t tprng_next(struct tprng *p)
{
	uint64_t z = (p->state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n); n > 0. The modulo bias is irrelevant for tests. */
static inline uint64_t tprng_below(struct tprng *p, uint64_t n)
{
	return tprng_next(p) % n;
}

/* Uniform in [lo, hi], inclusive. */
static inline uint64_t tprng_range(struct tprng *p, uint64_t lo, uint64_t hi)
{
	return hi - lo == UINT64_MAX ? tprng_next(p) : lo + tprng_below(p, hi - lo + 1);
}

static inline void tprng_fill(struct tprng *p, uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)tprng_next(p);
}

#endif
