/* The gdb remote serial protocol's framing: $payload#cs packets, acks,
 * the 0x03 interrupt byte, '}' escapes. The socket is untrusted input:
 * every byte is bounded by GDB_PACKET_MAX and a packet that does not fit or
 * whose checksum is wrong is never handed to the command layer. */
#ifndef HVT_GDB_PACKET_H
#define HVT_GDB_PACKET_H

#include <stddef.h>
#include <stdint.h>

#define GDB_PACKET_MAX 0x4000u      /* payload bytes; advertised as PacketSize */
#define GDB_RX_BYTES 4096u

enum gdb_rx {
	GDB_RX_PACKET = 1,     /* pkt/len hold a checked, unescaped payload */
	GDB_RX_INTERRUPT = 2,  /* a 0x03 byte outside a packet */
	GDB_RX_OVERSIZE = 3,   /* a packet longer than GDB_PACKET_MAX was dropped */
	GDB_RX_EOF = 0,
	GDB_RX_ERROR = -1
};

struct gdb_io {
	int fd;
	int no_ack;                       /* QStartNoAckMode accepted */
	uint8_t rx[GDB_RX_BYTES];         /* bytes received, not yet parsed */
	size_t rx_len, rx_pos;
	char pkt[GDB_PACKET_MAX + 1];     /* the last payload, NUL-terminated */
	size_t len;
	char *last_tx;                    /* the last packet sent, for a '-' resend */
	size_t last_tx_len;
	uint64_t bad_checksums;           /* packets refused with '-' */
};

void gdb_io_init(struct gdb_io *io, int fd);
void gdb_io_free(struct gdb_io *io);
/* Next packet (acked unless no_ack), interrupt, EOF or error. */
int gdb_io_read(struct gdb_io *io);
/* Send one payload (escaped as needed); 0 or -1 when the peer is gone. */
int gdb_io_send(struct gdb_io *io, const char *payload, size_t len);
int gdb_io_send_str(struct gdb_io *io, const char *payload);
/* Console text for the client ("O" packets, hex). */
int gdb_io_send_text(struct gdb_io *io, const char *text);

/* Hex helpers: 0 on success, -1 on a non-hex digit or overflow. */
int gdb_hex_u64(const char *s, size_t n, uint64_t *out);
int gdb_hex_decode(const char *hex, size_t n_hex, uint8_t *out, size_t out_cap, size_t *out_len);
void gdb_hex_encode(const uint8_t *in, size_t n, char *out); /* writes 2n chars + NUL */

#endif
