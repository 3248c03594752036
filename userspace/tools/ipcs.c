/* ipcs: shows the System V message queues, shared memory segments and semaphore sets,
 * in util-linux 2.38.1's format (see README.md). This file holds the options and the
 * helpers the three facilities share; ipcs_{msg,shm,sem}.c print each one's tables. */
#define IPC_MAIN
#include "ipcs.h"

void ipcs_title(const char *title)
{
	printf("\n------ %s --------\n", title);
}

void ipcs_owner_column(uid_t uid, int width)
{
	const char *name = ipc_user_name(uid);
	if (name)
		printf("%-*.10s", width, name);
	else
		printf("%-*u", width, (unsigned)uid);
}

void ipcs_user_column(uid_t uid)
{
	const char *name = ipc_user_name(uid);
	if (name)
		printf(" %-10s", name);
	else
		printf(" %-10u", (unsigned)uid);
}

void ipcs_group_column(gid_t gid)
{
	const char *name = ipc_group_name(gid);
	if (name)
		printf(" %-10s", name);
	else
		printf(" %-10u", (unsigned)gid);
}

const char *ipcs_time(time_t t, char buf[64], int full)
{
	if (!t)
		return "Not set";
	ipc_ctime(t, buf);
	return full ? buf : buf + 4;
}

void ipcs_size_column(enum ipcs_unit unit, uint64_t bytes, int width)
{
	if (unit == UNIT_HUMAN) {
		char buf[48];
		printf("%6s%*s", ipc_human_size(bytes, buf), width > 6 ? width - 6 : 0, "");
	} else {
		printf("%-*llu", width, (unsigned long long)bytes);
	}
}

void ipcs_limit_line(enum ipcs_unit unit, int default_kb, const char *label, uint64_t bytes)
{
	char buf[48];
	if (unit == UNIT_HUMAN)
		printf("%s = %s\n", label, ipc_human_size(bytes, buf));
	else if (unit == UNIT_DEFAULT && default_kb)
		printf("%s (kbytes) = %llu\n", label, (unsigned long long)(bytes / 1024));
	else
		printf("%s (bytes) = %llu\n", label, (unsigned long long)bytes);
}

static void usage(void)
{
	printf("\nUsage:\n"
	       " %s [resource-option...] [output-option]\n"
	       " %s -m|-q|-s -i <id>\n"
	       "\nShow information on IPC facilities.\n"
	       "\nOptions:\n"
	       " -i, --id <id>  print details on resource identified by <id>\n"
	       " -h, --help     display this help\n"
	       " -V, --version  display version\n"
	       "\nResource options:\n"
	       " -m, --shmems      shared memory segments\n"
	       " -q, --queues      message queues\n"
	       " -s, --semaphores  semaphores\n"
	       " -a, --all         all (default)\n"
	       "\nOutput options:\n"
	       " -t, --time        show attach, detach and change times\n"
	       " -p, --pid         show PIDs of creator and last operator\n"
	       " -c, --creator     show creator and owner\n"
	       " -l, --limits      show resource limits\n"
	       " -u, --summary     show status summary\n"
	       "     --human       show sizes in human-readable format\n"
	       " -b, --bytes       show sizes in bytes\n"
	       "\nFor more details see ipcs(1).\n",
	       ipc_prog, ipc_prog);
	exit(EXIT_SUCCESS);
}

enum { OPT_HUMAN = 256 };

/* In util-linux's order, which decides how an ambiguous abbreviation is reported. */
static const struct ipc_option long_options[] = {
	{ "id", IPC_REQUIRED_ARG, 'i' },    { "queues", IPC_NO_ARG, 'q' },
	{ "shmems", IPC_NO_ARG, 'm' },      { "semaphores", IPC_NO_ARG, 's' },
	{ "all", IPC_NO_ARG, 'a' },         { "time", IPC_NO_ARG, 't' },
	{ "pid", IPC_NO_ARG, 'p' },         { "creator", IPC_NO_ARG, 'c' },
	{ "limits", IPC_NO_ARG, 'l' },      { "summary", IPC_NO_ARG, 'u' },
	{ "human", IPC_NO_ARG, OPT_HUMAN }, { "bytes", IPC_NO_ARG, 'b' },
	{ "version", IPC_NO_ARG, 'V' },     { "help", IPC_NO_ARG, 'h' },
	{ NULL, 0, 0 },
};

int main(int argc, char **argv)
{
	ipc_set_prog(argv[0]);
	int msg = 0, shm = 0, sem = 0, id = -1, have_id = 0;
	enum ipcs_format format = FMT_NORMAL;
	enum ipcs_unit unit = UNIT_DEFAULT;
	struct ipc_opts opts;
	ipc_opts_init(&opts, argc, argv, "i:qmsatpcluhVb", long_options);
	int c;
	while ((c = ipc_next_option(&opts)) != -1) {
		switch (c) {
		case 'i':
			id = ipc_parse_int(opts.arg, "id argument");
			have_id = 1;
			break;
		case 'q':
			msg = 1;
			break;
		case 'm':
			shm = 1;
			break;
		case 's':
			sem = 1;
			break;
		case 'a':
			msg = shm = sem = 1;
			break;
		case 't':
			format = FMT_TIME;
			break;
		case 'p':
			format = FMT_PID;
			break;
		case 'c':
			format = FMT_CREATOR;
			break;
		case 'l':
			format = FMT_LIMITS;
			break;
		case 'u':
			format = FMT_STATUS;
			break;
		case 'b':
			unit = UNIT_BYTES;
			break;
		case OPT_HUMAN:
			unit = UNIT_HUMAN;
			break;
		case 'h':
			usage();
			break;
		case 'V':
			printf("%s from kestrel (util-linux 2.38.1 format)\n", ipc_prog);
			return EXIT_SUCCESS;
		default:
			ipc_try_help();
		}
	}
	if (have_id) {
		if (msg + shm + sem != 1)
			ipc_die(EXIT_FAILURE, 0, "when using an ID, a single resource must be specified");
		if (msg)
			ipcs_msg_id(id, unit);
		else if (shm)
			ipcs_shm_id(id, unit);
		else
			ipcs_sem_id(id);
		return EXIT_SUCCESS;
	}
	if (!msg && !shm && !sem)
		msg = shm = sem = 1;
	if (msg)
		ipcs_msg(format, unit);
	if (shm)
		ipcs_shm(format, unit);
	if (sem)
		ipcs_sem(format, unit);
	printf("\n");
	return EXIT_SUCCESS;
}
