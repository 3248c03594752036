/* pthread_key.c: thread-specific data (pthread_key_create and friends).
 *
 * A key is a slot in a table of PTHREAD_KEYS_MAX; each slot has a sequence number that
 * is odd while the key exists and changes when it is created or deleted. A thread's
 * value remembers the number it was set under, so a value set under a deleted key is
 * not seen through a new key that reuses the slot. */
#include <errno.h>
#include <pthread.h>

#include "thread.h"

static struct {
	unsigned seq;
	void (*destructor)(void *);
} keys[PTHREAD_KEYS_MAX];
static volatile uint32_t keys_lock;

int pthread_key_create(pthread_key_t *key, void (*destructor)(void *))
{
	int r = EAGAIN;
	__kestrel_lock(&keys_lock);
	for (unsigned i = 0; i < PTHREAD_KEYS_MAX; i++) {
		if (keys[i].seq % 2 == 0) {
			keys[i].destructor = destructor;
			__atomic_store_n(&keys[i].seq, keys[i].seq + 1, __ATOMIC_RELEASE);
			*key = i;
			r = 0;
			break;
		}
	}
	__kestrel_unlock(&keys_lock);
	return r;
}

int pthread_key_delete(pthread_key_t key)
{
	int r = EINVAL;
	__kestrel_lock(&keys_lock);
	if (key < PTHREAD_KEYS_MAX && keys[key].seq % 2 == 1) {
		__atomic_store_n(&keys[key].seq, keys[key].seq + 1, __ATOMIC_RELEASE);
		r = 0;
	}
	__kestrel_unlock(&keys_lock);
	return r;
}

void *pthread_getspecific(pthread_key_t key)
{
	if (key >= PTHREAD_KEYS_MAX)
		return NULL;
	struct __pthread *self = __kestrel_self();
	unsigned seq = __atomic_load_n(&keys[key].seq, __ATOMIC_ACQUIRE);
	return self->specific[key].seq == seq ? self->specific[key].value : NULL;
}

int pthread_setspecific(pthread_key_t key, const void *value)
{
	if (key >= PTHREAD_KEYS_MAX)
		return EINVAL;
	unsigned seq = __atomic_load_n(&keys[key].seq, __ATOMIC_ACQUIRE);
	if (seq % 2 == 0)
		return EINVAL;
	struct __pthread *self = __kestrel_self();
	self->specific[key].seq = seq;
	self->specific[key].value = (void *)value;
	return 0;
}

/* At thread exit: each non-NULL value of a live key with a destructor is set to NULL
 * and passed to it; values that destructors set again get further rounds, up to
 * PTHREAD_DESTRUCTOR_ITERATIONS in all (POSIX), after which they are left. */
void __kestrel_run_key_destructors(struct __pthread *self)
{
	for (int round = 0; round < PTHREAD_DESTRUCTOR_ITERATIONS; round++) {
		int ran = 0;
		for (unsigned i = 0; i < PTHREAD_KEYS_MAX; i++) {
			unsigned seq = __atomic_load_n(&keys[i].seq, __ATOMIC_ACQUIRE);
			void (*destructor)(void *) = keys[i].destructor;
			void *value = self->specific[i].value;
			if (seq % 2 == 0 || self->specific[i].seq != seq || !value || !destructor)
				continue;
			self->specific[i].value = NULL;
			destructor(value);
			ran = 1;
		}
		if (!ran)
			return;
	}
}
