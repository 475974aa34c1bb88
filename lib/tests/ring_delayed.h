/*
 * ring_delayed.h — forced into a test-only copy of lib/src/ring.c
 * (lib/tests/meson.build, `-include`): the ring's public names become
 * delayed_ring_*, and its delay hook (CT_RING_TEST_DELAY, a no-op in the
 * library) calls the stress program's ct_test_ring_delay, which yields or
 * sleeps at random between claiming a slot and filling or freeing it.
 * The product build never sees this file.
 */
#ifndef CT_RING_DELAYED_H
#define CT_RING_DELAYED_H

void ct_test_ring_delay(void);

#define CT_RING_TEST_DELAY() ct_test_ring_delay()
#define ct_ring_init delayed_ring_init
#define ct_ring_destroy delayed_ring_destroy
#define ct_ring_put delayed_ring_put
#define ct_ring_try_put delayed_ring_try_put
#define ct_ring_put_for delayed_ring_put_for
#define ct_ring_get delayed_ring_get
#define ct_ring_try_get delayed_ring_try_get
#define ct_ring_get_for delayed_ring_get_for
#define ct_ring_close delayed_ring_close
#define ct_ring_size delayed_ring_size
#define ct_ring_capacity delayed_ring_capacity

#endif
