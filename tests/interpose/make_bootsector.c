/* Writes a 1.44 MB floppy image whose boot sector (real mode, at 0x7c00)
 * does OUTS writes to port 0x80, then INS reads of CMOS (port 0x71), then
 * exits QEMU through isa-debug-exit (port 0xf4, value 0: QEMU exits 1).
 * Every one of those accesses is a KVM_EXIT_IO in QEMU's userspace, so the
 * guest's own exit count is known: usage: make_bootsector OUT N_OUT N_IN */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FLOPPY_BYTES (1440u * 1024u)

static size_t put(uint8_t *p, size_t at, const uint8_t *bytes, size_t n)
{
	memcpy(p + at, bytes, n);
	return at + n;
}

/* mov cx, n ; mov dx, port ; [mov al, 0x55] ; loop: out/in ; dec cx ; jnz loop */
static size_t port_loop(uint8_t *p, size_t at, unsigned n, unsigned port, int is_out)
{
	const uint8_t head[] = { 0xb9, (uint8_t)n, (uint8_t)(n >> 8),
				 0xba, (uint8_t)port, (uint8_t)(port >> 8), 0xb0, 0x55 };
	const uint8_t body[] = { is_out ? 0xee : 0xec, 0x49, 0x75, 0xfc };
	at = put(p, at, head, sizeof(head));
	return put(p, at, body, sizeof(body));
}

int main(int argc, char **argv)
{
	if (argc != 4)
		return fprintf(stderr, "usage: %s OUT N_OUT N_IN\n", argv[0]), 2;
	unsigned n_out = (unsigned)strtoul(argv[2], NULL, 0), n_in = (unsigned)strtoul(argv[3], NULL, 0);
	if (n_out < 1 || n_out > 65535 || n_in < 1 || n_in > 65535)
		return fprintf(stderr, "counts must be 1..65535\n"), 2;
	uint8_t *img = calloc(1, FLOPPY_BYTES);
	if (!img)
		return 1;
	size_t at = 0;
	const uint8_t select_cmos[] = { 0xb0, 0x0d, 0xe6, 0x70 }; /* mov al,0x0d ; out 0x70,al: status D reads 0x80 */
	const uint8_t poweroff[] = { 0xba, 0xf4, 0x00, 0xb8, 0x00, 0x00, 0xef, /* out 0xf4, ax=0 */
				     0xf4, 0xeb, 0xfd };                         /* hlt ; jmp hlt */
	at = port_loop(img, at, n_out, 0x80, 1);
	at = put(img, at, select_cmos, sizeof(select_cmos));
	at = port_loop(img, at, n_in, 0x71, 0);
	put(img, at, poweroff, sizeof(poweroff));
	img[510] = 0x55;
	img[511] = 0xaa;
	FILE *f = fopen(argv[1], "wb");
	int ok = f && fwrite(img, 1, FLOPPY_BYTES, f) == FLOPPY_BYTES;
	ok = (f && fclose(f) == 0) && ok;
	free(img);
	if (!ok)
		perror(argv[1]);
	return ok ? 0 : 1;
}
