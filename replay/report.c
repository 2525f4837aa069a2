/* The divergence report: where (vCPU, event), what differs (expected vs
 * actual per field), what led there (the vCPU's last events), and the
 * guest's registers. Formatted on the diverging vCPU's thread (registers can
 * only be read there) and printed once every thread has stopped. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "hvtrace/error.h"
#include "replay_internal.h"

static const char *const x86_names[HVT_X86_NREGS] = {
	"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rsp", "rbp", "r8", "r9",
	"r10", "r11", "r12", "r13", "r14", "r15", "rip", "rflags",
};

static const char *const arm64_names[HVT_ARM64_NREGS] = {
	"x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11",
	"x12", "x13", "x14", "x15", "x16", "x17", "x18", "x19", "x20", "x21", "x22",
	"x23", "x24", "x25", "x26", "x27", "x28", "x29", "x30", "sp", "pc", "cpsr",
};

/* Four registers a line, named as the architecture names them. */
void hvt_print_regs(FILE *f, const hvt_arch *arch, const hvt_regs *regs)
{
	int arm64 = arch->id == HVT_ARCH_ARM64;
	const char *const *names = arm64 ? arm64_names : x86_names;
	unsigned n = arm64 ? HVT_ARM64_NREGS : HVT_X86_NREGS;

	for (unsigned i = 0; i < n; i++)
		fprintf(f, "%s%-6s 0x%016" PRIx64 "%s", i % 4 ? "  " : "    ", names[i],
			regs->r[i], i % 4 == 3 || i + 1 == n ? "\n" : "");
}

void hvt_history_push(struct hvt_history *h, const hvt_event *ev)
{
	unsigned slot = (unsigned)(h->n++ % HVT_HISTORY_EVENTS);
	uint32_t keep = ev->data_len < HVT_HISTORY_DATA_BYTES ? ev->data_len : HVT_HISTORY_DATA_BYTES;

	h->ev[slot] = *ev;
	if (keep)
		memcpy(h->data[slot], ev->data, keep);
	/* The copy holds at most HVT_HISTORY_DATA_BYTES: say so in data_len. */
	h->ev[slot].data = h->data[slot];
	h->ev[slot].data_len = keep;
}

/* Used when the caller gives no printer. */
static void print_plain(FILE *f, const hvt_event *ev)
{
	fprintf(f, "cpu%u #%" PRIu64 " %s kind=%u pc=0x%" PRIx64 " addr=0x%" PRIx64
		" value=0x%" PRIx64 " size=%u count=%u", ev->stream, ev->seq,
		hvt_event_type_name(ev->type), ev->kind, ev->pc, ev->addr, ev->value,
		ev->size, ev->count);
}

/* The last events, oldest first; the newest is the one that diverged. */
void hvt_history_print(FILE *f, const struct hvt_history *h, hvt_replay_print_fn print)
{
	uint64_t first = h->n > HVT_HISTORY_EVENTS ? h->n - HVT_HISTORY_EVENTS : 0;

	for (uint64_t i = first; i < h->n; i++) {
		fputs("    ", f);
		(print ? print : print_plain)(f, &h->ev[i % HVT_HISTORY_EVENTS]);
		fputc('\n', f);
	}
}

static void print_value(FILE *f, const char *field, uint64_t v)
{
	if (strcmp(field, "kind") == 0)
		fprintf(f, "%-20s", hvt_exit_kind_name((unsigned)v));
	else if (strcmp(field, "data") == 0)
		fprintf(f, "%" PRIu64 " bytes%-10s", v, "");
	else
		fprintf(f, "0x%-18" PRIx64, v);
}

static void print_diffs(FILE *f, const struct hvt_divergence *d)
{
	fprintf(f, "  %-10s %-20s %s\n", "field", "expected (trace)", "actual (live)");
	for (unsigned i = 0; i < d->n; i++) {
		fprintf(f, "  %-10s ", d->diff[i].field);
		print_value(f, d->diff[i].field, d->diff[i].expected);
		fputc(' ', f);
		print_value(f, d->diff[i].field, d->diff[i].actual);
		fputc('\n', f);
	}
}

static void format_report(FILE *f, struct hvt_rvcpu *v, const hvt_event *rec,
			  const char *why, const struct hvt_divergence *d, const hvt_event *live)
{
	hvt_replay_print_fn print = v->rp->o.print_event ? v->rp->o.print_event : print_plain;
	hvt_regs regs;

	fprintf(f, "hvtrace: replay diverged on vCPU %u at event #%" PRIu64
		" (sequence number in vCPU %u's stream)\n  %s\n", v->index, rec->seq, v->index, why);
	fputs("  recorded: ", f);
	print(f, rec);
	fputc('\n', f);
	if (live) {
		fputs("  live:     ", f);
		print(f, live);
		fputc('\n', f);
	}
	if (d && d->n)
		print_diffs(f, d);
	fprintf(f, "  last %u events on vCPU %u (the last one diverged):\n",
		(unsigned)(v->hist.n < HVT_HISTORY_EVENTS ? v->hist.n : HVT_HISTORY_EVENTS), v->index);
	hvt_history_print(f, &v->hist, print);
	if (v->rp->m->ops->vcpu_get_regs(v->bv, &regs) == 0) {
		fprintf(f, "  guest registers of vCPU %u now:\n", v->index);
		hvt_print_regs(f, v->rp->m->arch, &regs);
	}
}

int hvt_diverge(struct hvt_rvcpu *v, const hvt_event *rec, const char *why,
		const struct hvt_divergence *d, const hvt_event *live)
{
	struct hvt_replay *rp = v->rp;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f) {
		format_report(f, v, rec, why, d, live);
		fclose(f);
	}
	pthread_mutex_lock(&rp->mu);
	if (!rp->report_set && rp->outcome == HVT_REPLAY_OK) {
		rp->report_set = 1;
		rp->report = text;
		text = NULL;
		rp->div_stream = v->index;
		rp->div_seq = rec->seq;
	}
	pthread_mutex_unlock(&rp->mu);
	free(text);
	hvt_rp_fail(rp, HVT_REPLAY_DIVERGED, "vCPU %u, event #%" PRIu64 ": %s", v->index,
		    rec->seq, why);
	return HVT_E_DIVERGED;
}
