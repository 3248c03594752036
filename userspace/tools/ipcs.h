/* ipcs's parts: the output options and the printing helpers the three facilities share
 * (ipcs.c), and each facility's tables (ipcs_msg.c, ipcs_shm.c, ipcs_sem.c). */
#ifndef IPCS_H
#define IPCS_H

#include "ipc_common.h"

/* What to print (-t, -p, -c, -l, -u; the last one given wins). */
enum ipcs_format { FMT_NORMAL, FMT_TIME, FMT_PID, FMT_CREATOR, FMT_LIMITS, FMT_STATUS };

/* How sizes are written: the default (bytes, or kbytes for shm limits), -b, --human. */
enum ipcs_unit { UNIT_DEFAULT, UNIT_BYTES, UNIT_HUMAN };

/* "\n------ TITLE --------\n" */
void ipcs_title(const char *title);
/* A column of the owner's name (at most 10 characters) or number, in WIDTH. */
void ipcs_owner_column(uid_t uid, int width);
/* " NAME" or " NUMBER", left-aligned in 10 (names are not cut): the -c columns. */
void ipcs_user_column(uid_t uid);
void ipcs_group_column(gid_t gid);
/* A table's time column: ctime's "Mmm dd hh:mm:ss" (FULL: the whole date) or "Not set". */
const char *ipcs_time(time_t t, char buf[64], int full);
/* A size column WIDTH wide: left-aligned bytes, or a human size right-aligned in 6. */
void ipcs_size_column(enum ipcs_unit unit, uint64_t bytes, int width);
/* A limit line: "LABEL (bytes) = N", "LABEL (kbytes) = N" (DEFAULT_KB and the default
 * unit) or "LABEL = 8K". */
void ipcs_limit_line(enum ipcs_unit unit, int default_kb, const char *label, uint64_t bytes);

void ipcs_msg(enum ipcs_format format, enum ipcs_unit unit);
void ipcs_shm(enum ipcs_format format, enum ipcs_unit unit);
void ipcs_sem(enum ipcs_format format, enum ipcs_unit unit);
/* -i ID: the one object's details; "id ID not found" (status 0, as util-linux) if none. */
void ipcs_msg_id(int id, enum ipcs_unit unit);
void ipcs_shm_id(int id, enum ipcs_unit unit);
void ipcs_sem_id(int id);

#endif /* IPCS_H */
