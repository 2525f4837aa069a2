/* The packets the stub understands, one small handler each. Every field
 * is parsed with its length bounded; anything malformed gets "E" + a code,
 * anything unknown the empty reply (the protocol's "not supported"). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "gdb_internal.h"

#define MAX_MEM_XFER ((GDB_PACKET_MAX - 8) / 2)

enum { SERVE_ON = 0, SERVE_RESUME = 1, SERVE_UNWIND = 2 };

static int reply(struct hvt_gdb *s, const char *p)
{
	return gdb_io_send_str(&s->io, p);
}

static int err(struct hvt_gdb *s, int code)
{
	char b[8];

	snprintf(b, sizeof(b), "E%02x", code & 0xff);
	return reply(s, b);
}

/* "HEX" up to a delimiter (or the end); *end points after it. */
static int parse_hex_field(const char *p, char delim, uint64_t *v, const char **end)
{
	const char *q = delim ? strchr(p, delim) : p + strlen(p);

	if (!q || gdb_hex_u64(p, (size_t)(q - p), v) != 0)
		return -1;
	*end = *q ? q + 1 : q;
	return 0;
}

/* Thread ids: 1-based vCPU numbers; -1 and 0 mean "any". */
static int parse_thread(struct hvt_gdb *s, const char *p, unsigned *out)
{
	uint64_t t;

	if (strcmp(p, "-1") == 0 || strcmp(p, "0") == 0) {
		*out = s->cur;
		return 0;
	}
	if (gdb_hex_u64(p, strlen(p), &t) != 0 || t == 0 || t > s->rp.n_vcpus)
		return -1;
	*out = (unsigned)(t - 1);
	return 0;
}

/* The PC and SP of the stopped vCPU in the stop reply ("NN:bytes;"): lldb
 * and gdb then need no register read to show where it stopped. */
static void expedite(struct hvt_gdb *s, char *out, size_t cap)
{
	const unsigned nums[2] = { s->arch->gdb_pc, s->arch->gdb_sp };
	uint8_t b[GDB_REG_MAX_BYTES];
	struct gdb_sys none;
	char hex[2 * GDB_REG_MAX_BYTES + 1];
	hvt_regs r;
	size_t n = strlen(out);

	memset(&none, 0, sizeof(none)); /* both come from the register file */
	if (gdb_regs_of(s, s->cur, &r) < 0)
		return;
	for (unsigned i = 0; i < 2; i++) {
		s->arch->reg_read(nums[i], &r, &none, b);
		gdb_hex_encode(b, s->arch->reg_bytes(nums[i]), hex);
		int w = snprintf(out + n, cap - n, "%02x:%s;", nums[i], hex);
		if (w < 0 || (size_t)w >= cap - n) {
			out[n] = 0; /* no room: the client reads them */
			return;
		}
		n += (size_t)w;
	}
}

void gdb_format_stop(struct hvt_gdb *s)
{
	unsigned tid = s->cur + 1;
	int sig = s->stop_kind == STOP_INT ? 2 : s->stop_kind == STOP_DIVERGED ? 6 : 5;
	char extra[64] = "";
	int hw = 0;

	for (unsigned i = 0; i < s->n_bp; i++)
		if (s->bp[i].addr == gdb_pc(s, &s->here.regs) && s->bp[i].hw)
			hw = 1;
	if (s->stop_kind == STOP_BP)
		snprintf(extra, sizeof(extra), "%s", hw ? "hwbreak:;" : "swbreak:;");
	else if (s->stop_kind == STOP_WATCH)
		snprintf(extra, sizeof(extra), "%s:%" PRIx64 ";",
			 s->stop_wtype == WP_READ	? "rwatch"
			 : s->stop_wtype == WP_ACCESS ? "awatch"
						      : "watch",
			 s->stop_addr);
	else if (s->stop_kind == STOP_STEP)
		snprintf(extra, sizeof(extra), "reason:trace;"); /* lldb's; gdb skips it */
	else if (s->stop_kind == STOP_END)
		snprintf(extra, sizeof(extra), "replaylog:end;");
	else if (s->stop_kind == STOP_BEGIN)
		snprintf(extra, sizeof(extra), "replaylog:begin;");
	snprintf(s->stop_reply, sizeof(s->stop_reply), "T%02xthread:%x;%s", sig, tid, extra);
	expedite(s, s->stop_reply, sizeof(s->stop_reply));
	if (s->reverse_t0_ns) {
		s->reverse_ns_last = hvt_monotonic_ns() - s->reverse_t0_ns;
		s->reverse_t0_ns = 0;
		s->reverse_ops++;
	}
	if (s->stop_kind == STOP_START)
		return; /* the client asks with '?' */
	if (s->stop_kind == STOP_SILENT) {
		(void)reply(s, "OK"); /* the monitor command that moved is answered now */
		s->stop_reply[0] = 'T';
		return;
	}
	if (s->stop_kind == STOP_DIVERGED && s->rp.report) {
		(void)gdb_io_send_text(&s->io, "hvtrace: replay diverged here:\n");
		(void)gdb_io_send_text(&s->io, s->rp.report);
	}
	(void)reply(s, s->stop_reply);
}

static void warn_write(struct hvt_gdb *s, const char *what)
{
	if (!s->tainted)
		fprintf(s->log, "hvtrace: warning: the debugger wrote guest %s: replay may "
			"diverge from here (going back to a checkpoint undoes it)\n", what);
	s->tainted = 1;
}

static int read_all_regs(struct hvt_gdb *s, unsigned v, hvt_regs *r, struct gdb_sys *sys)
{
	memset(sys, 0, sizeof(*sys));
	if (gdb_regs_of(s, v, r) < 0)
		return -1;
	(void)s->arch->sys_read(s->rp.m->ops, s->rp.vcpus[v].bv, sys); /* zeros if not */
	return 0;
}

static int cmd_g(struct hvt_gdb *s)
{
	static char out[2 * 2048 + 1];
	uint8_t b[GDB_REG_MAX_BYTES];
	struct gdb_sys sys;
	hvt_regs r;
	size_t n = 0;

	if (read_all_regs(s, s->sel_g, &r, &sys) < 0)
		return err(s, 1);
	for (unsigned i = 0; i < s->arch->nregs && n + 2 * GDB_REG_MAX_BYTES < sizeof(out); i++) {
		s->arch->reg_read(i, &r, &sys, b);
		gdb_hex_encode(b, s->arch->reg_bytes(i), out + n);
		n += 2 * s->arch->reg_bytes(i);
	}
	return gdb_io_send(&s->io, out, n);
}

static int cmd_p(struct hvt_gdb *s, const char *a)
{
	char out[2 * GDB_REG_MAX_BYTES + 1];
	uint8_t b[GDB_REG_MAX_BYTES];
	struct gdb_sys sys;
	hvt_regs r;
	uint64_t n;

	if (gdb_hex_u64(a, strlen(a), &n) != 0 || n >= s->arch->nregs)
		return err(s, 2);
	if (read_all_regs(s, s->sel_g, &r, &sys) < 0)
		return err(s, 1);
	s->arch->reg_read((unsigned)n, &r, &sys, b);
	gdb_hex_encode(b, s->arch->reg_bytes((unsigned)n), out);
	return reply(s, out);
}

static int write_reg(struct hvt_gdb *s, unsigned n, const char *hex)
{
	uint8_t b[GDB_REG_MAX_BYTES];
	hvt_regs r;
	size_t len;

	if (gdb_hex_decode(hex, strlen(hex), b, sizeof(b), &len) != 0 ||
	    gdb_regs_of(s, s->sel_g, &r) < 0 || s->arch->reg_write(n, &r, b, len) != 0)
		return -1;
	if (s->rp.m->ops->vcpu_set_regs(s->rp.vcpus[s->sel_g].bv, &r) < 0)
		return -1;
	warn_write(s, "registers");
	return 0;
}

static int cmd_P(struct hvt_gdb *s, const char *a)
{
	uint64_t n;
	const char *v;

	if (parse_hex_field(a, '=', &n, &v) != 0 || n >= s->arch->nregs)
		return err(s, 2);
	return write_reg(s, (unsigned)n, v) == 0 ? reply(s, "OK") : err(s, 3);
}

/* G: only the register file (x86-64: the 18 general registers; arm64:
 * x0-x30, sp, pc, cpsr) may change; the rest is ignored. */
static int cmd_G(struct hvt_gdb *s, const char *a)
{
	size_t off = 0, len = strlen(a), total = 0;
	char one[2 * GDB_REG_MAX_BYTES + 1];

	for (unsigned i = 0; i < s->arch->nregs; i++)
		total += s->arch->reg_bytes(i);
	if (len != 2 * total)
		return err(s, 2);
	for (unsigned i = 0; i < s->arch->n_gpr; i++) {
		size_t n = 2 * s->arch->reg_bytes(i);
		memcpy(one, a + off, n);
		one[n] = 0;
		if (write_reg(s, i, one) != 0)
			return err(s, 3);
		off += n;
	}
	return reply(s, "OK");
}

static void mem_view(struct hvt_gdb *s, struct gdb_mem *m)
{
	(void)gdb_mem_view(s, s->sel_g, m); /* zero sysregs: no translation, reads fail */
}

static int parse_addr_len(const char *a, char delim, uint64_t *addr, uint64_t *len,
			  const char **rest)
{
	return parse_hex_field(a, ',', addr, &a) != 0 ||
	       parse_hex_field(a, delim, len, rest) != 0 ? -1 : 0;
}

static int cmd_m(struct hvt_gdb *s, const char *a)
{
	static uint8_t buf[MAX_MEM_XFER];
	static char out[2 * MAX_MEM_XFER + 1];
	struct gdb_mem m;
	uint64_t addr, len;
	const char *rest;

	if (parse_addr_len(a, 0, &addr, &len, &rest) != 0)
		return err(s, 2);
	if (len > MAX_MEM_XFER)
		len = MAX_MEM_XFER; /* a short reply is allowed */
	mem_view(s, &m);
	size_t got = gdb_mem_read(&m, addr, buf, (size_t)len);
	if (got == 0 && len)
		return err(s, 14);
	gdb_hex_encode(buf, got, out);
	return gdb_io_send(&s->io, out, 2 * got);
}

static int write_mem(struct hvt_gdb *s, uint64_t addr, const uint8_t *data, size_t n)
{
	struct gdb_mem m;

	mem_view(s, &m);
	if (gdb_mem_write(&m, addr, data, n) != n)
		return err(s, 14);
	warn_write(s, "memory");
	gdb_watch_snapshot(s);
	return reply(s, "OK");
}

static int cmd_M(struct hvt_gdb *s, const char *a)
{
	static uint8_t buf[MAX_MEM_XFER];
	uint64_t addr, len;
	const char *hex;
	size_t n;

	if (parse_addr_len(a, ':', &addr, &len, &hex) != 0 || len > MAX_MEM_XFER ||
	    gdb_hex_decode(hex, strlen(hex), buf, sizeof(buf), &n) != 0 || n != len)
		return err(s, 2);
	return write_mem(s, addr, buf, n);
}

/* X: binary data, already unescaped; its length is the packet's rest. */
static int cmd_X(struct hvt_gdb *s, const char *a, size_t total)
{
	uint64_t addr, len;
	const char *data;

	if (parse_addr_len(a, ':', &addr, &len, &data) != 0)
		return err(s, 2);
	size_t have = total - (size_t)(data - s->io.pkt);
	if (len != have)
		return err(s, 2);
	if (len == 0)
		return reply(s, "OK"); /* gdb probes X support with an empty write */
	return write_mem(s, addr, (const uint8_t *)data, have);
}

static int add_bp(struct hvt_gdb *s, char type, uint64_t addr, uint64_t len)
{
	if (type == '0' || type == '1') {
		if (s->n_bp == GDB_MAX_BP)
			return err(s, 28);
		s->bp[s->n_bp++] = (struct gdb_bp){ addr, type == '1' };
		return reply(s, "OK");
	}
	if (type != '2' && !s->dec)
		return reply(s, ""); /* no instruction decoder built in: docs/debugging.md */
	if (s->n_wp == GDB_MAX_WP || len == 0 || len > GDB_WP_MAX_LEN)
		return err(s, 28);
	struct gdb_wp *w = &s->wp[s->n_wp];
	uint64_t pa, room;
	struct gdb_mem m;
	mem_view(s, &m);
	/* Watched by physical address: what the guest's steps write. */
	if (gdb_mem_translate(&m, addr, &pa, &room) != 0 || room < len)
		return err(s, 14);
	memset(w, 0, sizeof(*w));
	w->type = type - '0';
	w->addr = pa, w->va = addr, w->len = (uint32_t)len;
	s->n_wp++;
	gdb_watch_snapshot(s);
	return reply(s, "OK");
}

static int del_bp(struct hvt_gdb *s, char type, uint64_t addr)
{
	struct gdb_mem m;
	uint64_t pa, room;

	if (type == '0' || type == '1') {
		for (unsigned i = 0; i < s->n_bp; i++)
			if (s->bp[i].addr == addr) {
				s->bp[i] = s->bp[--s->n_bp];
				return reply(s, "OK");
			}
		return reply(s, "OK");
	}
	if (type != '2' && !s->dec)
		return reply(s, "");
	mem_view(s, &m);
	if (gdb_mem_translate(&m, addr, &pa, &room) != 0)
		return reply(s, "OK");
	for (unsigned i = 0; i < s->n_wp; i++)
		if (s->wp[i].addr == pa && s->wp[i].type == type - '0') {
			s->wp[i] = s->wp[--s->n_wp];
			break;
		}
	return reply(s, "OK");
}

static int cmd_Z(struct hvt_gdb *s, const char *a, int insert)
{
	uint64_t addr, kind;
	const char *rest;

	if (a[0] < '0' || a[0] > '4' || a[1] != ',' ||
	    parse_hex_field(a + 2, ',', &addr, &rest) != 0)
		return err(s, 2);
	/* kind may carry ";cond" lists: only the number before them counts. */
	char k[20] = "";
	size_t kl = strcspn(rest, ";");
	if (kl == 0 || kl >= sizeof(k))
		return err(s, 2);
	memcpy(k, rest, kl);
	if (gdb_hex_u64(k, kl, &kind) != 0)
		return err(s, 2);
	return insert ? add_bp(s, a[0], addr, kind) : del_bp(s, a[0], addr);
}

static int resume(struct hvt_gdb *s, int step, unsigned vcpu)
{
	gdb_goal_start(s, step ? GOAL_STEP : GOAL_CONT);
	s->goal.vcpu = vcpu;
	return SERVE_RESUME;
}

/* vCont;ACTION[:TID];...: a step for any thread makes it a step of that
 * one (the others run to their events as the schedule says). */
static int cmd_vcont(struct hvt_gdb *s, const char *a)
{
	unsigned step_tid = s->sel_c;
	int step = 0;
	char buf[256];

	if (strlen(a) >= sizeof(buf))
		return err(s, 2);
	strcpy(buf, a);
	for (char *save = NULL, *t = strtok_r(buf, ";", &save); t; t = strtok_r(NULL, ";", &save)) {
		char *colon = strchr(t, ':');
		unsigned tid = s->sel_c;
		if (colon) {
			*colon = 0;
			if (parse_thread(s, colon + 1, &tid) != 0)
				return err(s, 2);
		}
		if (t[0] == 's' || t[0] == 'S') {
			step = 1, step_tid = tid;
		} else if (t[0] != 'c' && t[0] != 'C' && t[0] != 't') {
			return err(s, 2);
		}
	}
	return resume(s, step, step_tid);
}

static int reverse(struct hvt_gdb *s, int req)
{
	s->request = req;
	return SERVE_UNWIND;
}

static int cmd_xfer(struct hvt_gdb *s, const char *a)
{
	static const char pfx[] = "features:read:target.xml:";
	uint64_t off, len;
	const char *xml = s->arch->target_xml(), *rest;
	size_t total = strlen(xml);
	char out[GDB_PACKET_MAX];

	if (strncmp(a, pfx, sizeof(pfx) - 1) != 0)
		return err(s, 0);
	if (parse_addr_len(a + sizeof(pfx) - 1, 0, &off, &len, &rest) != 0)
		return err(s, 2);
	if (len > sizeof(out) - 2)
		len = sizeof(out) - 2;
	if (off >= total)
		return reply(s, "l");
	size_t n = total - off < len ? (size_t)(total - off) : (size_t)len;
	out[0] = off + n >= total ? 'l' : 'm';
	memcpy(out + 1, xml + off, n);
	return gdb_io_send(&s->io, out, n + 1);
}

static int cmd_thread_info(struct hvt_gdb *s)
{
	char out[HVT_VM_MAX_VCPUS * 4 + 4];
	size_t n = 1;

	out[0] = 'm';
	for (unsigned i = 0; i < s->rp.n_vcpus && n + 4 < sizeof(out); i++)
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%x", i ? "," : "", i + 1);
	return gdb_io_send(&s->io, out, n);
}

static int cmd_extra_info(struct hvt_gdb *s, const char *a)
{
	char text[64], out[129];
	unsigned v;

	if (parse_thread(s, a, &v) != 0)
		return err(s, 2);
	snprintf(text, sizeof(text), "vCPU %u%s", v, s->finished[v] ? " (its stream ended)" : "");
	gdb_hex_encode((const uint8_t *)text, strlen(text), out);
	return reply(s, out);
}

static int cmd_rcmd(struct hvt_gdb *s, const char *hex)
{
	char cmd[512];
	size_t n;
	char *out = NULL;

	if (gdb_hex_decode(hex, strlen(hex), (uint8_t *)cmd, sizeof(cmd) - 1, &n) != 0)
		return (void)err(s, 2), SERVE_ON;
	cmd[n] = 0;
	int moved = gdb_monitor(s, cmd, &out);
	if (out && out[0])
		(void)gdb_io_send_text(&s->io, out);
	free(out);
	if (moved == 1)
		return SERVE_UNWIND; /* answered "OK" when the move arrives */
	(void)reply(s, moved < 0 ? "E01" : "OK");
	return SERVE_ON;
}

/* lldb's qHostInfo / qProcessInfo: the triple, hex-encoded, and when
 * watchpoint stops come (gdb_arch.h): lldb assumes "after" on aarch64
 * unless told, and then would not step over the accessing instruction. */
static int reply_host_info(struct hvt_gdb *s, const char *pre)
{
	char hex[2 * 32 + 1], out[200];
	size_t n = strlen(s->arch->triple);

	gdb_hex_encode((const uint8_t *)s->arch->triple, n < 32 ? n : 32, hex);
	snprintf(out, sizeof(out),
		 "%striple:%s;ptrsize:8;endian:little;watchpoint_exceptions_received:%s;", pre,
		 hex, s->arch->watch_before_write ? "before" : "after");
	return reply(s, out);
}

static int cmd_q(struct hvt_gdb *s, const char *p)
{
	char b[64];

	if (strncmp(p, "qSupported", 10) == 0)
		return reply(s, "PacketSize=4000;qXfer:features:read+;swbreak+;hwbreak+;"
			     "ReverseContinue+;ReverseStep+;QStartNoAckMode+;vContSupported+");
	if (strncmp(p, "qXfer:", 6) == 0)
		return cmd_xfer(s, p + 6);
	if (strcmp(p, "qfThreadInfo") == 0)
		return cmd_thread_info(s);
	if (strcmp(p, "qsThreadInfo") == 0)
		return reply(s, "l");
	if (strcmp(p, "qC") == 0) {
		snprintf(b, sizeof(b), "QC%x", s->cur + 1);
		return reply(s, b);
	}
	if (strcmp(p, "qAttached") == 0)
		return reply(s, "1");
	if (strncmp(p, "qThreadExtraInfo,", 17) == 0)
		return cmd_extra_info(s, p + 17);
	if (strncmp(p, "qSymbol", 7) == 0)
		return reply(s, "OK");
	if (strcmp(p, "qHostInfo") == 0)
		return reply_host_info(s, "");
	if (strcmp(p, "qProcessInfo") == 0)
		return reply_host_info(s, "pid:1;");
	if (strncmp(p, "qWatchpointSupportInfo", 22) == 0) {
		/* lldb reads qHostInfo's "before" only when this succeeds. */
		snprintf(b, sizeof(b), "num:%u;", GDB_MAX_WP);
		return reply(s, b);
	}
	return reply(s, "");
}

static int cmd_H(struct hvt_gdb *s, const char *a)
{
	unsigned v;

	if ((a[0] != 'g' && a[0] != 'c') || parse_thread(s, a + 1, &v) != 0)
		return err(s, 2);
	if (a[0] == 'g')
		s->sel_g = v;
	else
		s->sel_c = v;
	return reply(s, "OK");
}

static int cmd_T(struct hvt_gdb *s, const char *a)
{
	unsigned v;

	return parse_thread(s, a, &v) == 0 ? reply(s, "OK") : err(s, 2);
}

static int quit(struct hvt_gdb *s, int send_ok)
{
	if (send_ok)
		(void)reply(s, "OK");
	s->request = REQ_QUIT;
	return SERVE_UNWIND;
}

static int cmd_v(struct hvt_gdb *s, const char *p)
{
	if (strcmp(p, "vCont?") == 0)
		return reply(s, "vCont;c;C;s;S"), SERVE_ON;
	if (strncmp(p, "vCont;", 6) == 0)
		return cmd_vcont(s, p + 6);
	if (strncmp(p, "vKill", 5) == 0)
		return quit(s, 1);
	return reply(s, ""), SERVE_ON;
}

/* SERVE_* for packets that resume or unwind; the others reply and stay. */
static int dispatch(struct hvt_gdb *s, const char *p, size_t len)
{
	switch (p[0]) {
	case '?': return reply(s, s->stop_reply), SERVE_ON;
	case 'g': return cmd_g(s), SERVE_ON;
	case 'G': return cmd_G(s, p + 1), SERVE_ON;
	case 'p': return cmd_p(s, p + 1), SERVE_ON;
	case 'P': return cmd_P(s, p + 1), SERVE_ON;
	case 'm': return cmd_m(s, p + 1), SERVE_ON;
	case 'M': return cmd_M(s, p + 1), SERVE_ON;
	case 'X': return cmd_X(s, p + 1, len), SERVE_ON;
	case 'Z': return cmd_Z(s, p + 1, 1), SERVE_ON;
	case 'z': return cmd_Z(s, p + 1, 0), SERVE_ON;
	case 'H': return cmd_H(s, p + 1), SERVE_ON;
	case 'T': return cmd_T(s, p + 1), SERVE_ON;
	case 'c': case 'C': return resume(s, 0, s->sel_c);
	case 's': case 'S': return resume(s, 1, s->sel_c);
	case 'b':
		if (strcmp(p, "bc") == 0)
			return reverse(s, REQ_RCONT);
		if (strcmp(p, "bs") == 0)
			return reverse(s, REQ_RSTEP);
		return reply(s, ""), SERVE_ON;
	case 'D': return quit(s, 1);
	case 'k': return (void)reply(s, "X09"), quit(s, 0); /* lldb waits for an exit */
	case 'v': return cmd_v(s, p);
	case 'q':
		if (strncmp(p, "qRcmd,", 6) == 0)
			return cmd_rcmd(s, p + 6);
		return cmd_q(s, p), SERVE_ON;
	case 'Q':
		if (strcmp(p, "QStartNoAckMode") == 0) {
			(void)reply(s, "OK");
			s->io.no_ack = 1;
			return SERVE_ON;
		}
		return reply(s, ""), SERVE_ON;
	default: return reply(s, ""), SERVE_ON;
	}
}

int gdb_serve(struct hvt_gdb *s)
{
	for (;;) {
		int rc = gdb_io_read(&s->io);
		if (rc == GDB_RX_EOF || rc == GDB_RX_ERROR) {
			atomic_store(&s->disconnected, 1);
			s->request = REQ_QUIT;
			return 1;
		}
		if (rc == GDB_RX_INTERRUPT)
			continue; /* already stopped */
		if (rc == GDB_RX_OVERSIZE) {
			(void)err(s, 1);
			continue;
		}
		if (s->io.len == 0) {
			(void)reply(s, "");
			continue;
		}
		rc = dispatch(s, s->io.pkt, s->io.len);
		if (rc == SERVE_RESUME)
			return 0;
		if (rc == SERVE_UNWIND)
			return 1;
	}
}
