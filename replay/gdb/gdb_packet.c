/* Framing of the gdb remote protocol (see gdb_packet.h). Parsing is a
 * small state machine over a receive buffer: outside a packet, '+' and '-'
 * are acks, 0x03 is an interrupt, anything else is noise and skipped;
 * inside, bytes accumulate up to GDB_PACKET_MAX until '#' and two checksum
 * digits. Nothing here allocates per packet. */
#include "gdb_packet.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void gdb_io_init(struct gdb_io *io, int fd)
{
	memset(io, 0, sizeof(*io));
	io->fd = fd;
}

void gdb_io_free(struct gdb_io *io)
{
	free(io->last_tx);
	io->last_tx = NULL;
}

static int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int gdb_hex_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > 16)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int d = hex_digit((unsigned char)s[i]);
		if (d < 0)
			return -1;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return 0;
}

int gdb_hex_decode(const char *hex, size_t n_hex, uint8_t *out, size_t out_cap, size_t *out_len)
{
	if (n_hex % 2 || n_hex / 2 > out_cap)
		return -1;
	for (size_t i = 0; i < n_hex / 2; i++) {
		int hi = hex_digit((unsigned char)hex[2 * i]), lo = hex_digit((unsigned char)hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*out_len = n_hex / 2;
	return 0;
}

void gdb_hex_encode(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = 0;
}

static int write_all(int fd, const void *buf, size_t n)
{
	const uint8_t *p = buf;

	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w, n -= (size_t)w;
	}
	return 0;
}

/* 1 and a byte, 0 at EOF, -1 on error. */
static int next_byte(struct gdb_io *io, uint8_t *c)
{
	if (io->rx_pos == io->rx_len) {
		ssize_t n;
		do
			n = recv(io->fd, io->rx, sizeof(io->rx), 0);
		while (n < 0 && errno == EINTR);
		if (n <= 0)
			return n == 0 ? 0 : -1;
		io->rx_len = (size_t)n, io->rx_pos = 0;
	}
	*c = io->rx[io->rx_pos++];
	return 1;
}

/* Unescape in place: '}' x means x ^ 0x20 (binary packets). A trailing
 * lone '}' is malformed: the packet is refused. */
static int unescape(struct gdb_io *io)
{
	size_t w = 0;

	for (size_t r = 0; r < io->len; r++) {
		char c = io->pkt[r];
		if (c == '}') {
			if (++r == io->len)
				return -1;
			c = (char)(io->pkt[r] ^ 0x20);
		}
		io->pkt[w++] = c;
	}
	io->len = w;
	io->pkt[w] = 0;
	return 0;
}

/* After '$': the payload, '#', two checksum digits. */
static int read_body(struct gdb_io *io)
{
	uint8_t c, sum = 0, cs[2];
	int rc, oversize = 0;

	io->len = 0;
	for (;;) {
		if ((rc = next_byte(io, &c)) <= 0)
			return rc == 0 ? GDB_RX_EOF : GDB_RX_ERROR;
		if (c == '#')
			break;
		sum = (uint8_t)(sum + c);
		if (io->len < GDB_PACKET_MAX)
			io->pkt[io->len++] = (char)c;
		else
			oversize = 1;
	}
	for (int i = 0; i < 2; i++)
		if ((rc = next_byte(io, &cs[i])) <= 0)
			return rc == 0 ? GDB_RX_EOF : GDB_RX_ERROR;
	int hi = hex_digit(cs[0]), lo = hex_digit(cs[1]);
	int good = hi >= 0 && lo >= 0 && (uint8_t)(hi << 4 | lo) == sum;
	if (!io->no_ack && write_all(io->fd, good ? "+" : "-", 1) < 0)
		return GDB_RX_ERROR;
	if (!good) {
		io->bad_checksums++;
		return 0x100; /* read on: the client resends */
	}
	if (oversize)
		return GDB_RX_OVERSIZE;
	io->pkt[io->len] = 0;
	return unescape(io) == 0 ? GDB_RX_PACKET : GDB_RX_OVERSIZE;
}

int gdb_io_read(struct gdb_io *io)
{
	uint8_t c;
	int rc;

	for (;;) {
		if ((rc = next_byte(io, &c)) <= 0)
			return rc == 0 ? GDB_RX_EOF : GDB_RX_ERROR;
		if (c == 0x03)
			return GDB_RX_INTERRUPT;
		if (c == '-' && io->last_tx && !io->no_ack) {
			if (write_all(io->fd, io->last_tx, io->last_tx_len) < 0)
				return GDB_RX_ERROR;
			continue;
		}
		if (c != '$')
			continue; /* '+' acks and noise */
		rc = read_body(io);
		if (rc != 0x100)
			return rc;
	}
}

static int needs_escape(char c)
{
	return c == '$' || c == '#' || c == '}' || c == '*';
}

int gdb_io_send(struct gdb_io *io, const char *payload, size_t len)
{
	size_t cap = 2 * len + 4, n = 0;
	char *out = malloc(cap);
	uint8_t sum = 0;

	if (!out)
		return -1;
	out[n++] = '$';
	for (size_t i = 0; i < len; i++) {
		char c = payload[i];
		if (needs_escape(c)) {
			out[n++] = '}';
			sum = (uint8_t)(sum + '}');
			c = (char)(c ^ 0x20);
		}
		out[n++] = c;
		sum = (uint8_t)(sum + (uint8_t)c);
	}
	out[n++] = '#';
	out[n++] = "0123456789abcdef"[sum >> 4];
	out[n++] = "0123456789abcdef"[sum & 15];
	free(io->last_tx);
	io->last_tx = out;
	io->last_tx_len = n;
	return write_all(io->fd, out, n);
}

int gdb_io_send_str(struct gdb_io *io, const char *payload)
{
	return gdb_io_send(io, payload, strlen(payload));
}

int gdb_io_send_text(struct gdb_io *io, const char *text)
{
	size_t len = strlen(text);

	/* Pieces well under the packet size: "O" + two hex digits a byte. */
	for (size_t off = 0; off < len; off += 1024) {
		size_t n = len - off < 1024 ? len - off : 1024;
		char buf[1 + 2 * 1024 + 1];
		buf[0] = 'O';
		gdb_hex_encode((const uint8_t *)text + off, n, buf + 1);
		if (gdb_io_send(io, buf, 1 + 2 * n) < 0)
			return -1;
	}
	return 0;
}
