/* userdb.c: the user and group databases, /etc/passwd and /etc/group (which open finds in
 * the initfs). Lines are "name:password:uid:gid:gecos:home:shell" and
 * "name:password:gid:member,member,..."; lines that are not well formed (a field
 * missing or too many, an id that is not a decimal number) are skipped, as glibc skips
 * them.
 *
 * getpwnam, getpwuid, getpwent and their group twins return a struct that points into
 * the runtime's own copy of the line (overwritten by the next call of the family, as
 * POSIX allows); the _r functions copy the strings into the caller's buffer and fail
 * with ERANGE when it is too small. An entry that is not found is NULL with errno
 * unchanged (0 with *result NULL for the _r functions), as POSIX asks; a missing file is
 * a database with no entries. */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define PASSWD_PATH "/etc/passwd"
#define GROUP_PATH "/etc/group"

/* What to look for: the entry named `name`, or (name NULL) the one with id `id`. */
struct key {
	const char *name;
	unsigned id;
};

/* Splits line at ':' into exactly n fields, in place; 0, or -1 if there are not n. */
static int split(char *line, char **fields, int n)
{
	for (int i = 0; i < n; i++) {
		fields[i] = line;
		char *colon = strchr(line, ':');
		if (i == n - 1)
			return colon ? -1 : 0;
		if (!colon)
			return -1;
		*colon = '\0';
		line = colon + 1;
	}
	return 0;
}

static int parse_id(const char *s, unsigned *out)
{
	unsigned long v = 0;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > UINT_MAX)
			return -1;
	}
	*out = (unsigned)v;
	return 0;
}

/* Reads lines of f until one splits into n fields; 1, or 0 at the end of the file. */
static int next_line(FILE *f, char **line, size_t *cap, char **fields, int n)
{
	ssize_t len;
	while ((len = getline(line, cap, f)) > 0) {
		if ((*line)[len - 1] == '\n')
			(*line)[len - 1] = '\0';
		if (split(*line, fields, n) == 0)
			return 1;
	}
	return 0;
}

/* The caller's buffer of an _r function, or NULL: the strings stay in the line. */
struct arena {
	char *next;
	size_t left;
};

static void *arena_take(struct arena *a, size_t n, size_t align)
{
	uintptr_t at = ((uintptr_t)a->next + align - 1) & ~(uintptr_t)(align - 1);
	size_t pad = at - (uintptr_t)a->next;
	if (pad > a->left || n > a->left - pad)
		return NULL;
	a->next = (char *)at + n;
	a->left -= pad + n;
	return (void *)at;
}

/* s itself (no arena) or its copy in the arena (NULL when it does not fit). */
static char *place(struct arena *a, char *s)
{
	if (!a)
		return s;
	size_t n = strlen(s) + 1;
	char *copy = arena_take(a, n, 1);
	if (copy)
		memcpy(copy, s, n);
	return copy;
}

/* The result of a search: 1 found, 0 not, or -errno (ERANGE: the buffer is too small; a
 * read error). */
static int search_end(FILE *f)
{
	return ferror(f) ? -(errno ? errno : EIO) : 0;
}

/* The user database. */

static int passwd_next(FILE *f, char **line, size_t *cap, const struct key *key, void *entry, struct arena *a)
{
	struct passwd *pw = entry;
	char *field[7];
	unsigned uid, gid;
	errno = 0;
	while (next_line(f, line, cap, field, 7)) {
		if (parse_id(field[2], &uid) < 0 || parse_id(field[3], &gid) < 0)
			continue;
		if (key && (key->name ? strcmp(field[0], key->name) != 0 : uid != key->id))
			continue;
		pw->pw_uid = uid;
		pw->pw_gid = gid;
		pw->pw_name = place(a, field[0]);
		pw->pw_passwd = place(a, field[1]);
		pw->pw_gecos = place(a, field[4]);
		pw->pw_dir = place(a, field[5]);
		pw->pw_shell = place(a, field[6]);
		int fits = pw->pw_name && pw->pw_passwd && pw->pw_gecos && pw->pw_dir && pw->pw_shell;
		return fits ? 1 : -ERANGE;
	}
	return search_end(f);
}

static struct passwd passwd_result;
static char *passwd_line;
static size_t passwd_cap;
static FILE *passwd_stream; /* getpwent's */

/* One database (passwd or group): its file, how to read its next matching entry, and the
 * static result, line buffer and getXXent stream of the non-reentrant calls. */
struct db {
	const char *path;
	int (*next)(FILE *f, char **line, size_t *cap, const struct key *key, void *entry, struct arena *a);
	void *result;
	char **line;
	size_t *cap;
	FILE **stream;
};

/* getpwnam, getgrgid...: the entry in the static result, or NULL (errno unchanged when
 * there is none, or the error). */
static void *db_lookup(const struct db *db, const struct key *key)
{
	int saved = errno;
	FILE *f = fopen(db->path, "re");
	if (!f) {
		if (errno == ENOENT)
			errno = saved;
		return NULL;
	}
	int r = db->next(f, db->line, db->cap, key, db->result, NULL);
	fclose(f);
	errno = r < 0 ? -r : saved;
	return r > 0 ? db->result : NULL;
}

/* getpwnam_r, getgrgid_r...: the entry in the caller's `entry` with its strings in `buf`
 * (`*found` says whether there was one); returns 0 or the error number (ERANGE: `buf` is
 * too small); errno is unchanged. */
static int db_lookup_r(const struct db *db, const struct key *key, void *entry, char *buf, size_t len, int *found)
{
	*found = 0;
	int saved = errno;
	FILE *f = fopen(db->path, "re");
	if (!f) {
		int e = errno;
		errno = saved;
		return e == ENOENT ? 0 : e;
	}
	char *line = NULL;
	size_t cap = 0;
	struct arena a = {buf, len};
	int r = db->next(f, &line, &cap, key, entry, &a);
	free(line);
	fclose(f);
	errno = saved;
	*found = r > 0;
	return r < 0 ? -r : 0;
}

/* getpwent, getgrent: the next entry of the open stream (opened at the first call). */
static void *db_next_entry(const struct db *db)
{
	int saved = errno;
	if (!*db->stream && !(*db->stream = fopen(db->path, "re"))) {
		if (errno == ENOENT)
			errno = saved;
		return NULL;
	}
	int r = db->next(*db->stream, db->line, db->cap, NULL, db->result, NULL);
	errno = r < 0 ? -r : saved;
	return r > 0 ? db->result : NULL;
}

/* endpwent, endgrent: close the stream; the next getXXent starts from the first entry. */
static void db_end(const struct db *db)
{
	if (*db->stream)
		fclose(*db->stream);
	*db->stream = NULL;
}

static const struct db passwd_db = {PASSWD_PATH, passwd_next, &passwd_result, &passwd_line, &passwd_cap, &passwd_stream};

struct passwd *getpwnam(const char *name)
{
	struct key key = {name, 0};
	return db_lookup(&passwd_db, &key);
}

struct passwd *getpwuid(uid_t uid)
{
	struct key key = {NULL, uid};
	return db_lookup(&passwd_db, &key);
}

int getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t len, struct passwd **result)
{
	struct key key = {name, 0};
	int found;
	int e = db_lookup_r(&passwd_db, &key, pw, buf, len, &found);
	*result = found ? pw : NULL;
	return e;
}

int getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t len, struct passwd **result)
{
	struct key key = {NULL, uid};
	int found;
	int e = db_lookup_r(&passwd_db, &key, pw, buf, len, &found);
	*result = found ? pw : NULL;
	return e;
}

void endpwent(void)
{
	db_end(&passwd_db);
}

void setpwent(void)
{
	db_end(&passwd_db);
}

struct passwd *getpwent(void)
{
	return db_next_entry(&passwd_db);
}

/* The group database. */

static char **group_members; /* gr_mem of the runtime's own results */
static size_t group_members_cap;

/* Fills gr->gr_mem from the comma-separated `list` (empty names are skipped). */
static int place_members(struct group *gr, char *list, struct arena *a)
{
	size_t n = 0;
	for (char *p = list; *p; p++)
		n += *p == ',';
	n += 2; /* the last member and the NULL */
	char **mem;
	if (a) {
		mem = arena_take(a, n * sizeof *mem, _Alignof(char *));
		if (!mem)
			return -ERANGE;
	} else {
		if (n > group_members_cap) {
			char **grown = realloc(group_members, n * sizeof *grown);
			if (!grown)
				return -ENOMEM;
			group_members = grown;
			group_members_cap = n;
		}
		mem = group_members;
	}
	size_t count = 0;
	for (char *name = list, *comma; name; name = comma ? comma + 1 : NULL) {
		comma = strchr(name, ',');
		if (comma)
			*comma = '\0';
		if (!*name)
			continue;
		if (!(mem[count++] = place(a, name)))
			return -ERANGE;
	}
	mem[count] = NULL;
	gr->gr_mem = mem;
	return 1;
}

static int group_next(FILE *f, char **line, size_t *cap, const struct key *key, void *entry, struct arena *a)
{
	struct group *gr = entry;
	char *field[4];
	unsigned gid;
	errno = 0;
	while (next_line(f, line, cap, field, 4)) {
		if (parse_id(field[2], &gid) < 0)
			continue;
		if (key && (key->name ? strcmp(field[0], key->name) != 0 : gid != key->id))
			continue;
		gr->gr_gid = gid;
		int r = place_members(gr, field[3], a); /* first: the array wants alignment */
		if (r < 0)
			return r;
		gr->gr_name = place(a, field[0]);
		gr->gr_passwd = place(a, field[1]);
		return gr->gr_name && gr->gr_passwd ? 1 : -ERANGE;
	}
	return search_end(f);
}

static struct group group_result;
static char *group_line;
static size_t group_cap;
static FILE *group_stream; /* getgrent's */

static const struct db group_db = {GROUP_PATH, group_next, &group_result, &group_line, &group_cap, &group_stream};

struct group *getgrnam(const char *name)
{
	struct key key = {name, 0};
	return db_lookup(&group_db, &key);
}

struct group *getgrgid(gid_t gid)
{
	struct key key = {NULL, gid};
	return db_lookup(&group_db, &key);
}

int getgrnam_r(const char *name, struct group *gr, char *buf, size_t len, struct group **result)
{
	struct key key = {name, 0};
	int found;
	int e = db_lookup_r(&group_db, &key, gr, buf, len, &found);
	*result = found ? gr : NULL;
	return e;
}

int getgrgid_r(gid_t gid, struct group *gr, char *buf, size_t len, struct group **result)
{
	struct key key = {NULL, gid};
	int found;
	int e = db_lookup_r(&group_db, &key, gr, buf, len, &found);
	*result = found ? gr : NULL;
	return e;
}

void endgrent(void)
{
	db_end(&group_db);
}

void setgrent(void)
{
	db_end(&group_db);
}

struct group *getgrent(void)
{
	return db_next_entry(&group_db);
}
