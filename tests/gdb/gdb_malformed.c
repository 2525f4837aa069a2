/* A hostile gdb-remote client: malformed packets, a wrong checksum, an
 * oversized packet, bad escapes and seeded random bytes, each of which the
 * stub must answer with an error (or a '-') and survive; then valid
 * packets must still work. usage: gdb_malformed HOST PORT
 *
 * gdb_malformed HOST PORT interrupt: instead, Ctrl-C: a continue that
 * single-steps (a write watchpoint on an address nobody writes) is
 * interrupted by a 0x03 byte, which must stop it with SIGINT (T02) while
 * it runs; the session then still answers. */
#include <arpa/inet.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int fd;
static int failures;

static void send_raw(const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w <= 0) {
			perror("send");
			exit(1);
		}
		p += w, n -= (size_t)w;
	}
}

static void send_pkt(const char *payload)
{
	char buf[65536];
	unsigned sum = 0;
	size_t n = strlen(payload);

	for (size_t i = 0; i < n; i++)
		sum += (unsigned char)payload[i];
	snprintf(buf, sizeof(buf), "$%s#%02x", payload, sum & 0xff);
	send_raw(buf, strlen(buf));
}

static int get_byte_within(int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	unsigned char c;

	if (poll(&p, 1, ms) != 1 || recv(fd, &c, 1, 0) != 1)
		return -1;
	return c;
}

/* Next byte within 10 s, or -1. */
static int get_byte(void)
{
	return get_byte_within(10000);
}

/* The next reply packet's payload (acks skipped); 0 or -1 on timeout. */
static int get_reply(char *out, size_t cap)
{
	int c;
	size_t n = 0;

	while ((c = get_byte()) != '$')
		if (c < 0)
			return -1;
	while ((c = get_byte()) != '#') {
		if (c < 0)
			return -1;
		if (n + 1 < cap)
			out[n++] = (char)c;
	}
	out[n] = 0;
	if (get_byte() < 0 || get_byte() < 0)
		return -1;
	return 0;
}

static void expect_error(const char *label, const char *payload)
{
	char r[65536];

	send_pkt(payload);
	if (get_reply(r, sizeof(r)) != 0) {
		printf("FAIL: %s: no reply\n", label);
		failures++;
	} else if (r[0] != 'E' && r[0] != 0) {
		printf("FAIL: %s: answered '%.40s'\n", label, r);
		failures++;
	} else {
		printf("ok: %s -> '%s'\n", label, r);
	}
}

static void expect_nack(void)
{
	int c;

	send_raw("$g#00", 5);
	while ((c = get_byte()) == '+')
		;
	if (c != '-') {
		printf("FAIL: a wrong checksum was not refused with '-' (got %d)\n", c);
		failures++;
	} else {
		printf("ok: wrong checksum -> '-'\n");
	}
}

static void oversize(void)
{
	static char big[20001];

	memset(big, 'A', sizeof(big) - 1);
	expect_error("a 20000-byte packet", big);
}

/* Seeded random bytes, never '$' (a packet start would wait for its end). */
static void garbage(void)
{
	uint32_t x = 12345;
	char buf[4096];

	for (size_t i = 0; i < sizeof(buf); i++) {
		x = x * 1103515245u + 12345u;
		char c = (char)(x >> 16);
		buf[i] = c == '$' || c == 3 ? 'x' : c;
	}
	send_raw(buf, sizeof(buf));
	/* Each '-' in them asks for a resend of the last reply: drain those. */
	while (get_byte_within(500) >= 0)
		;
	printf("ok: 4096 random bytes sent\n");
}

static void alive(void)
{
	char r[65536];

	send_pkt("?");
	if (get_reply(r, sizeof(r)) != 0 || r[0] != 'T') {
		printf("FAIL: no stop reply after the bad input\n");
		failures++;
		return;
	}
	send_pkt("g");
	if (get_reply(r, sizeof(r)) != 0 || strlen(r) < 2 * 18 * 8) {
		printf("FAIL: no registers after the bad input\n");
		failures++;
		return;
	}
	printf("ok: the stub still answers '?' and 'g' (%zu hex digits)\n", strlen(r));
}

static void check(int good, const char *what, const char *got)
{
	printf("%s: %s%s%s\n", good ? "ok" : "FAIL", what, got ? " -> " : "", got ? got : "");
	failures += !good;
}

static void interrupt(void)
{
	char r[65536];
	int got;

	send_pkt("Z2,1ff000,8"); /* guest RAM the guests of this test never write */
	check(get_reply(r, sizeof(r)) == 0 && strcmp(r, "OK") == 0, "write watchpoint set", r);
	send_pkt("c");
	/* Still running 0.3 s later: the single-stepped replay takes seconds. */
	while ((got = get_byte_within(300)) == '+') /* the ack of "c" */
		;
	check(got < 0, "the continue is running (no reply within 0.3 s)", NULL);
	send_raw("\x03", 1);
	got = get_reply(r, sizeof(r));
	check(got == 0 && strncmp(r, "T02", 3) == 0, "Ctrl-C stops it with SIGINT", got ? NULL : r);
	send_pkt("?");
	got = get_reply(r, sizeof(r));
	check(got == 0 && strncmp(r, "T02", 3) == 0, "'?' repeats the SIGINT stop", got ? NULL : r);
	send_pkt("qRcmd,7768656e"); /* monitor when: output packets, then OK */
	for (int i = 0; i < 10 && (got = get_reply(r, sizeof(r))) == 0 && r[0] == 'O' &&
			strcmp(r, "OK") != 0; i++)
		;
	check(got == 0 && strcmp(r, "OK") == 0, "monitor when answers after the interrupt", r);
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };

	if (argc != 3 && !(argc == 4 && strcmp(argv[3], "interrupt") == 0))
		return 2;
	sa.sin_port = htons((uint16_t)atoi(argv[2]));
	inet_pton(AF_INET, argv[1], &sa.sin_addr);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		perror("connect");
		return 1;
	}
	if (argc == 4) {
		interrupt();
		alive();
		send_pkt("k");
		close(fd);
		return failures ? 1 : 0;
	}
	expect_nack();
	expect_error("read with a non-hex address", "m0,zz");
	expect_error("read with a 20-digit address", "mffffffffffffffffffff,10");
	expect_error("read without a length", "m100000");
	expect_error("breakpoint type 9", "Z9,100000,1");
	expect_error("breakpoint without a kind", "Z0,100000");
	expect_error("register 0x9999", "p9999");
	expect_error("register write without '='", "P1");
	expect_error("X with a wrong length", "X100000,5:ab");
	expect_error("M with bad hex", "M100000,2:zz");
	expect_error("M longer than its data", "M100000,4:00");
	expect_error("unknown xfer annex", "qXfer:features:read:foo.xml:0,10");
	expect_error("thread zz", "Hgzz");
	expect_error("thread 99", "Hg99");
	expect_error("vCont with an unknown action", "vCont;q");
	expect_error("G of the wrong size", "G00");
	expect_error("watchpoint of length 0", "Z2,100000,0");
	expect_error("a lone escape at the end", "m}");
	expect_error("monitor with odd hex", "qRcmd,7");
	oversize();
	garbage();
	alive();
	send_pkt("k");
	close(fd);
	if (failures)
		printf("%d failure(s)\n", failures);
	return failures ? 1 : 0;
}
