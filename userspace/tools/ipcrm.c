/* ipcrm: removes System V message queues, shared memory segments and semaphore sets by
 * id or key, or all of them, with util-linux 2.38.1's options, messages and exit
 * statuses (see README.md). */
#define IPC_MAIN
#include "ipc_common.h"

enum kind { SHM, SEM, MSG };

static const char *const kind_names[] = { "shared memory segment", "semaphore", "message queue" };

static int remove_id(enum kind kind, int id)
{
	switch (kind) {
	case SHM:
		return shmctl(id, IPC_RMID, NULL);
	case SEM:
		return semctl(id, 0, IPC_RMID);
	default:
		return msgctl(id, IPC_RMID, NULL);
	}
}

/* Reports a failed removal of the object named WHAT ("id" or "key") TEXT (its id). */
static void report(int errnum, const char *what, const char *text)
{
	switch (errnum) {
	case EACCES:
	case EPERM:
		ipc_warnx("permission denied for %s (%s)", what, text);
		break;
	case EINVAL:
		ipc_warnx("invalid %s (%s)", what, text);
		break;
	case EIDRM:
		ipc_warnx("already removed %s (%s)", what, text);
		break;
	default:
		ipc_warnx("unknown error in %s (%s)", what, text);
		break;
	}
}

static int verbose;

/* Removes KIND's object ID; 0, or 1 after reporting a failure. */
static int remove_one(enum kind kind, int id, const char *what, const char *text)
{
	if (verbose)
		printf("removing %s id `%d'\n", kind_names[kind], id);
	if (remove_id(kind, id) == 0)
		return 0;
	report(errno, what, text);
	return 1;
}

static int remove_by_id(enum kind kind, const char *text)
{
	int id = ipc_parse_int(text, "argument");
	char id_text[16];
	snprintf(id_text, sizeof id_text, "%d", id);
	return remove_one(kind, id, "id", id_text);
}

static int remove_by_key(enum kind kind, const char *text)
{
	char *end = NULL;
	errno = 0;
	unsigned long value = strtoul(text, &end, 0);
	if (errno || end == text || *end)
		ipc_die(EXIT_FAILURE, errno == ERANGE ? ERANGE : 0, "failed to parse argument: '%s'", text);
	key_t key = (key_t)value;
	if (key == IPC_PRIVATE) {
		ipc_warnx("illegal key (%s)", text);
		return 1;
	}
	int id;
	switch (kind) {
	case SHM:
		id = shmget(key, 0, 0);
		break;
	case SEM:
		id = semget(key, 0, 0);
		break;
	default:
		id = msgget(key, 0);
		break;
	}
	if (id < 0) {
		ipc_warnx("invalid key (%s)", text);
		return 1;
	}
	/* a failed removal names the key's object by its id, as util-linux does */
	char id_text[16];
	snprintf(id_text, sizeof id_text, "%d", id);
	return remove_one(kind, id, "key", id_text);
}

/* -a: every object of KIND this process may read (*_STAT, as util-linux). */
static int remove_all(enum kind kind)
{
	int status = 0;
	int max;
	switch (kind) {
	case SHM:
		max = ipc_shm_max_index();
		break;
	case SEM:
		max = ipc_sem_max_index();
		break;
	default:
		max = ipc_msg_max_index();
		break;
	}
	for (int index = 0; index <= max; index++) {
		int id;
		if (kind == SHM) {
			struct shmid_ds ds;
			id = shmctl(index, SHM_STAT, &ds);
		} else if (kind == SEM) {
			struct semid_ds ds;
			union {
				int val;
				struct semid_ds *buf;
			} arg = { .buf = &ds };
			id = semctl(index, 0, SEM_STAT, arg);
		} else {
			struct msqid_ds ds;
			id = msgctl(index, MSG_STAT, &ds);
		}
		if (id < 0)
			continue;
		char text[16];
		snprintf(text, sizeof text, "%d", id);
		status |= remove_one(kind, id, "id", text);
	}
	return status;
}

/* The historical form: ipcrm shm|msg|sem ID... */
static int legacy(int argc, char **argv)
{
	enum kind kind = strcmp(argv[1], "shm") == 0 ? SHM : strcmp(argv[1], "sem") == 0 ? SEM : MSG;
	if (argc < 3) {
		ipc_warnx("not enough arguments");
		ipc_try_help();
	}
	int status = 0;
	for (int i = 2; i < argc; i++) {
		/* util-linux reads these ids as unsigned longs cut to int, without a range
		 * check, and names a failed one by that int */
		char *end = NULL;
		errno = 0;
		int id = (int)strtoul(argv[i], &end, 10);
		if (errno || *end) {
			ipc_warnx("invalid id: %s", argv[i]);
			status = 1;
			continue;
		}
		if (remove_id(kind, id) < 0) {
			char text[16];
			snprintf(text, sizeof text, "%d", id);
			report(errno, "id", text);
			status = 1;
		}
	}
	if (status == 0)
		printf("resource(s) deleted\n");
	return status;
}

static void usage(void)
{
	printf("\nUsage:\n"
	       " %s [options]\n"
	       " %s shm|msg|sem <id>...\n"
	       "\nRemove certain IPC resources.\n"
	       "\nOptions:\n"
	       " -m, --shmem-id <id>        remove shared memory segment by id\n"
	       " -M, --shmem-key <key>      remove shared memory segment by key\n"
	       " -q, --queue-id <id>        remove message queue by id\n"
	       " -Q, --queue-key <key>      remove message queue by key\n"
	       " -s, --semaphore-id <id>    remove semaphore by id\n"
	       " -S, --semaphore-key <key>  remove semaphore by key\n"
	       " -a, --all[=shm|msg|sem]    remove all (in the specified category)\n"
	       " -v, --verbose              explain what is being done\n"
	       "\n -h, --help                 display this help\n"
	       " -V, --version              display version\n"
	       "\nFor more details see ipcrm(1).\n",
	       ipc_prog, ipc_prog);
	exit(EXIT_SUCCESS);
}

/* In util-linux's order, which decides how an ambiguous abbreviation is reported. */
static const struct ipc_option long_options[] = {
	{ "shmem-id", IPC_REQUIRED_ARG, 'm' },
	{ "shmem-key", IPC_REQUIRED_ARG, 'M' },
	{ "queue-id", IPC_REQUIRED_ARG, 'q' },
	{ "queue-key", IPC_REQUIRED_ARG, 'Q' },
	{ "semaphore-id", IPC_REQUIRED_ARG, 's' },
	{ "semaphore-key", IPC_REQUIRED_ARG, 'S' },
	{ "all", IPC_OPTIONAL_ARG, 'a' },
	{ "verbose", IPC_NO_ARG, 'v' },
	{ "version", IPC_NO_ARG, 'V' },
	{ "help", IPC_NO_ARG, 'h' },
	{ NULL, 0, 0 },
};

int main(int argc, char **argv)
{
	ipc_set_prog(argv[0]);
	if (argc > 1 && (strcmp(argv[1], "shm") == 0 || strcmp(argv[1], "msg") == 0 ||
			 strcmp(argv[1], "sem") == 0))
		return legacy(argc, argv);

	/* -a: -1 for none, 3 for every kind, or the one kind (the last -a given wins) */
	int status = 0, all = -1;
	struct ipc_opts opts;
	ipc_opts_init(&opts, argc, argv, "q:m:s:Q:M:S:a::hVv", long_options);
	int c;
	while ((c = ipc_next_option(&opts)) != -1) {
		switch (c) {
		case 'q':
			status |= remove_by_id(MSG, opts.arg);
			break;
		case 'm':
			status |= remove_by_id(SHM, opts.arg);
			break;
		case 's':
			status |= remove_by_id(SEM, opts.arg);
			break;
		case 'Q':
			status |= remove_by_key(MSG, opts.arg);
			break;
		case 'M':
			status |= remove_by_key(SHM, opts.arg);
			break;
		case 'S':
			status |= remove_by_key(SEM, opts.arg);
			break;
		case 'a':
			if (!opts.arg) {
				all = 3;
			} else if (strcmp(opts.arg, "shm") == 0) {
				all = SHM;
			} else if (strcmp(opts.arg, "sem") == 0) {
				all = SEM;
			} else if (strcmp(opts.arg, "msg") == 0) {
				all = MSG;
			} else {
				ipc_warnx("unknown argument: %s", opts.arg);
				return EXIT_FAILURE;
			}
			break;
		case 'v':
			verbose = 1;
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
	for (int kind = SHM; kind <= MSG; kind++)
		if (all == 3 || all == kind)
			status |= remove_all((enum kind)kind);
	if (opts.n_operands > 0) {
		ipc_warnx("unknown argument: %s", opts.operands[0]);
		ipc_try_help();
	}
	return status;
}
