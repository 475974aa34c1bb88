// test_cxx.cpp — the public headers compile as C++ and the objects work
// from C++ code (the benchmark shim and C++ users include them).
#include <contend/contend.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

static ct_mutex m = CT_MUTEX_INIT;
static ct_cond c = CT_COND_INIT;
static ct_rmutex r = CT_RMUTEX_INIT;
static ct_event e = CT_EVENT_INIT;

int main()
{
	ct_mutex_lock(&m);
	ct_cond_signal(&c);
	ct_mutex_unlock(&m);
	ct_rmutex_lock(&r);
	bool ok = ct_rmutex_depth(&r) == 1 && ct_rmutex_unlock(&r) == 0;
	ct_event_set(&e);
	ok = ok && ct_event_is_set(&e);

	ct_queue q;
	ok = ok && ct_queue_init(&q, 4) == 0;
	int x = 42;
	void *out = nullptr;
	ok = ok && ct_queue_put(&q, &x) == 0 && ct_queue_get(&q, &out) == 0 && out == &x;
	ct_queue_destroy(&q);

	ct_ring g;
	ok = ok && ct_ring_init(&g, 4) == 0;
	ok = ok && ct_ring_try_put(&g, &x) == 0 && ct_ring_try_get(&g, &out) == 0 && out == &x;
	ct_ring_destroy(&g);

	ok = ok && std::strlen(ct_version()) > 0;
	if (!ok) {
		std::fprintf(stderr, "C++ use of the contend API failed\n");
		return 1;
	}
	std::printf("contend %s usable from C++\n", ct_version());
	return 0;
}
