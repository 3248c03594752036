/* What ipcs and ipcrm share: messages, GNU-style option parsing, number parsing, user
 * and group names, time and size formatting, and the walk over every object of a
 * facility. Header-only (static functions), so each tool is one or a few translation
 * units with nothing to link but the C library.
 *
 * The tools print what util-linux 2.38.1's ipcs and ipcrm print, byte for byte, using
 * only the System V API (the *_INFO, *_STAT_ANY, IPC_STAT and IPC_RMID commands and the
 * *get calls); see README.md. */
#ifndef IPC_COMMON_H
#define IPC_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/types.h>
#include <time.h>

/* ---- messages ---- */

/* The short name ("ipcs") for the tools' own messages; argv[0] as given for the option
 * parser's, as glibc's getopt prints it. Defined in the file that defines IPC_MAIN. */
#ifdef IPC_MAIN
const char *ipc_prog = "ipc";
const char *ipc_argv0 = "ipc";
#else
extern const char *ipc_prog;
extern const char *ipc_argv0;
#endif

static inline void ipc_set_prog(char *argv0)
{
	const char *slash = argv0 ? strrchr(argv0, '/') : NULL;
	ipc_argv0 = argv0 ? argv0 : ipc_prog;
	ipc_prog = slash ? slash + 1 : ipc_argv0;
}

static inline void ipc_vwarn(int errnum, const char *fmt, va_list ap)
{
	char msg[512];
	vsnprintf(msg, sizeof msg, fmt, ap);
	fflush(stdout);
	if (errnum)
		fprintf(stderr, "%s: %s: %s\n", ipc_prog, msg, strerror(errnum));
	else
		fprintf(stderr, "%s: %s\n", ipc_prog, msg);
}

/* "PROG: MESSAGE" on stderr. */
__attribute__((format(printf, 1, 2))) static inline void ipc_warnx(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ipc_vwarn(0, fmt, ap);
	va_end(ap);
}

/* "PROG: MESSAGE" (with ": strerror(ERRNUM)" unless ERRNUM is 0), then exit(STATUS). */
__attribute__((format(printf, 3, 4), noreturn)) static inline void ipc_die(int status, int errnum,
									       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ipc_vwarn(errnum, fmt, ap);
	va_end(ap);
	exit(status);
}

/* The usage error every bad option ends with. */
__attribute__((noreturn)) static inline void ipc_try_help(void)
{
	fprintf(stderr, "Try '%s --help' for more information.\n", ipc_prog);
	exit(EXIT_FAILURE);
}

/* ---- options (what glibc's getopt_long does with them, messages included) ---- */

enum { IPC_NO_ARG, IPC_REQUIRED_ARG, IPC_OPTIONAL_ARG };

struct ipc_option {
	const char *name;
	int has_arg;
	int val;
};

/* The parser's state. Operands (arguments that are not options) are collected in
 * `operands`, in order, as GNU getopt's permutation leaves them after the options; "--"
 * makes everything after it an operand. */
struct ipc_opts {
	int argc;
	char **argv;
	const char *shortopts; /* "ab:c::": b takes an argument, c an optional one */
	const struct ipc_option *longopts;
	int ind;          /* next argv element */
	const char *next; /* rest of a cluster of short options, or NULL */
	const char *arg;  /* the current option's argument, or NULL */
	char **operands;
	int n_operands;
};

static inline void ipc_opts_init(struct ipc_opts *o, int argc, char **argv, const char *shortopts,
				 const struct ipc_option *longopts)
{
	memset(o, 0, sizeof *o);
	o->argc = argc;
	o->argv = argv;
	o->shortopts = shortopts;
	o->longopts = longopts;
	o->ind = 1;
	o->operands = calloc((size_t)argc + 1, sizeof *o->operands);
	if (!o->operands)
		ipc_die(EXIT_FAILURE, ENOMEM, "cannot allocate");
}

static inline int ipc_long_option(struct ipc_opts *o, const char *text)
{
	size_t len = strcspn(text, "=");
	const struct ipc_option *found = NULL;
	int matches = 0;
	for (const struct ipc_option *p = o->longopts; p->name; p++) {
		if (strncmp(p->name, text, len) != 0)
			continue;
		if (strlen(p->name) == len) {
			found = p;
			matches = 1;
			break;
		}
		if (!found)
			found = p;
		matches++;
	}
	if (!found) {
		fprintf(stderr, "%s: unrecognized option '--%s'\n", ipc_argv0, text);
		return '?';
	}
	if (matches > 1) {
		fprintf(stderr, "%s: option '--%s' is ambiguous; possibilities:", ipc_argv0, text);
		for (const struct ipc_option *p = o->longopts; p->name; p++)
			if (strncmp(p->name, text, len) == 0)
				fprintf(stderr, " '--%s'", p->name);
		fputc('\n', stderr);
		return '?';
	}
	if (text[len] == '=') {
		if (found->has_arg == IPC_NO_ARG) {
			fprintf(stderr, "%s: option '--%s' doesn't allow an argument\n", ipc_argv0,
				found->name);
			return '?';
		}
		o->arg = text + len + 1;
	} else if (found->has_arg == IPC_REQUIRED_ARG) {
		if (o->ind >= o->argc) {
			fprintf(stderr, "%s: option '--%s' requires an argument\n", ipc_argv0, found->name);
			return '?';
		}
		o->arg = o->argv[o->ind++];
	}
	return found->val;
}

/* The next option's value (its short letter, or a long option's val), with its argument
 * in o->arg; -1 at the end; '?' after printing glibc's message for a bad one. */
static inline int ipc_next_option(struct ipc_opts *o)
{
	o->arg = NULL;
	while (!o->next || !*o->next) {
		o->next = NULL;
		if (o->ind >= o->argc)
			return -1;
		char *word = o->argv[o->ind++];
		if (strcmp(word, "--") == 0) {
			while (o->ind < o->argc)
				o->operands[o->n_operands++] = o->argv[o->ind++];
			return -1;
		}
		if (word[0] != '-' || word[1] == '\0') {
			o->operands[o->n_operands++] = word;
			continue;
		}
		if (word[1] == '-')
			return ipc_long_option(o, word + 2);
		o->next = word + 1;
	}
	char c = *o->next++;
	const char *spec = c == ':' ? NULL : strchr(o->shortopts, c);
	if (!spec) {
		fprintf(stderr, "%s: invalid option -- '%c'\n", ipc_argv0, c);
		return '?';
	}
	if (spec[1] == ':') {
		if (*o->next) {
			o->arg = o->next;
		} else if (spec[2] != ':') {
			if (o->ind >= o->argc) {
				fprintf(stderr, "%s: option requires an argument -- '%c'\n", ipc_argv0, c);
				return '?';
			}
			o->arg = o->argv[o->ind++];
		}
		o->next = NULL;
	}
	return c;
}

/* ---- numbers ---- */

/* A decimal int as util-linux reads ids: strtol's syntax, the whole string, in range.
 * Exits with "failed to parse WHAT: 'TEXT'" (and strerror for a number out of range). */
static inline int ipc_parse_int(const char *text, const char *what)
{
	char *end = NULL;
	errno = 0;
	long value = strtol(text, &end, 10);
	if (errno == 0 && (value < INT_MIN || value > INT_MAX))
		errno = ERANGE;
	if (errno == ERANGE)
		ipc_die(EXIT_FAILURE, ERANGE, "failed to parse %s: '%s'", what, text);
	if (errno || end == text || *end)
		ipc_die(EXIT_FAILURE, 0, "failed to parse %s: '%s'", what, text);
	return (int)value;
}

/* ---- names ---- */

/* The user's name, or NULL if the password database has none. */
static inline const char *ipc_user_name(uid_t uid)
{
	struct passwd *pw = getpwuid(uid);
	return pw ? pw->pw_name : NULL;
}

static inline const char *ipc_group_name(gid_t gid)
{
	struct group *gr = getgrgid(gid);
	return gr ? gr->gr_name : NULL;
}

/* ---- time ---- */

/* TIME as ctime(3) writes it ("Thu Dec  3 06:22:33 2026\n"), in UTC: the guest's only
 * time zone (the host comparison runs with TZ=UTC). */
static inline const char *ipc_ctime(time_t t, char buf[64])
{
	static const char days[7][4] = { "Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	long long secs = (long long)t;
	long long day = secs / 86400, rem = secs % 86400;
	if (rem < 0) {
		rem += 86400;
		day--;
	}
	/* civil date from days since 1970-01-01 (proleptic Gregorian) */
	long long z = day + 719468;
	long long era = (z >= 0 ? z : z - 146096) / 146097;
	long long doe = z - era * 146097;
	long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	long long mp = (5 * doy + 2) / 153;
	long long mday = doy - (153 * mp + 2) / 5 + 1;
	long long month = mp < 10 ? mp + 3 : mp - 9;
	long long year = yoe + era * 400 + (month <= 2);
	long long wday = ((day % 7) + 7) % 7;
	snprintf(buf, 64, "%.3s %.3s%3lld %.2lld:%.2lld:%.2lld %lld\n", days[wday], months[month - 1],
		 mday, rem / 3600, rem / 60 % 60, rem % 60, year);
	return buf;
}

/* ---- sizes ---- */

/* BYTES as util-linux's size_to_human_string writes it with one-letter suffixes: "1B",
 * "4K", "97.7K" (one decimal, rounded half up), "16E". */
static inline const char *ipc_human_size(uint64_t bytes, char buf[48])
{
	static const char letters[] = "BKMGTPE";
	int exp = 0;
	while (exp < 6 && bytes >= (UINT64_C(1) << (10 * (exp + 1))))
		exp++;
	uint64_t unit = UINT64_C(1) << (10 * exp);
	uint64_t whole = bytes / unit, frac = bytes % unit;
	if (frac) {
		if (frac >= UINT64_MAX / 1000)
			frac = ((frac / 1024) * 1000) / (unit >> 10);
		else
			frac = frac * 1000 / unit;
		frac = (frac + 50) / 100;
		if (frac == 10) {
			whole++;
			frac = 0;
		}
	}
	if (frac)
		snprintf(buf, 48, "%llu.%llu%c", (unsigned long long)whole, (unsigned long long)frac,
			 letters[exp]);
	else
		snprintf(buf, 48, "%llu%c", (unsigned long long)whole, letters[exp]);
	return buf;
}

/* ---- walking a facility ---- */

/* The highest index in use (from *_INFO), or -1 if the call fails. */
static inline int ipc_msg_max_index(void)
{
	struct msginfo info;
	return msgctl(0, MSG_INFO, (struct msqid_ds *)(void *)&info);
}

static inline int ipc_sem_max_index(void)
{
	struct seminfo info;
	union {
		int val;
		struct seminfo *info;
	} arg = { .info = &info };
	return semctl(0, 0, SEM_INFO, arg);
}

static inline int ipc_shm_max_index(void)
{
	struct shm_info info;
	return shmctl(0, SHM_INFO, (struct shmid_ds *)(void *)&info);
}

/* *_STAT_ANY of slot INDEX into DS: the object's id, or -1 for an empty slot. */
static inline int ipc_msg_stat_index(int index, struct msqid_ds *ds)
{
	return msgctl(index, MSG_STAT_ANY, ds);
}

static inline int ipc_sem_stat_index(int index, struct semid_ds *ds)
{
	union {
		int val;
		struct semid_ds *buf;
	} arg = { .buf = ds };
	return semctl(index, 0, SEM_STAT_ANY, arg);
}

static inline int ipc_shm_stat_index(int index, struct shmid_ds *ds)
{
	return shmctl(index, SHM_STAT_ANY, ds);
}

#endif /* IPC_COMMON_H */
