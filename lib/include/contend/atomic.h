/*
 * contend/atomic.h — the atomic integer types used inside contend's public
 * structs, spelled so that both C11 and C++ (the benchmark shim, C++ users)
 * can include the headers and embed the objects.
 *
 * Callers never touch these fields; they are public only so that objects can
 * be embedded in caller-owned memory and statically initialized. In C++ the
 * fields are std::atomic of the same size and representation (checked by a
 * static assertion) and a contend object must only be operated on through
 * the C functions.
 */
#ifndef CONTEND_ATOMIC_H
#define CONTEND_ATOMIC_H

#include <stdint.h>
#include <stddef.h>

#if defined(CT_RELACY)
/* The Relacy build (lib/tests/relacy) compiles the library's sources as
 * C++ against Relacy's model of the C++11 memory model. */
#include <relacy/relacy.hpp>
typedef rl::atomic<uint32_t> ct_atomic_u32;
typedef rl::atomic<uint64_t> ct_atomic_u64;
typedef rl::atomic<size_t> ct_atomic_size;
typedef rl::atomic<uintptr_t> ct_atomic_uptr;
/* A plain variable whose accesses Relacy checks for data races. */
template <typename T>
struct ct_rl_plain {
	rl::var<T> v;
	ct_rl_plain &operator=(T x) { v($) = x; return *this; }
	operator T() const { return v($); }
};
#elif defined(__cplusplus)
#include <atomic>
typedef std::atomic<uint32_t> ct_atomic_u32;
typedef std::atomic<uint64_t> ct_atomic_u64;
typedef std::atomic<size_t> ct_atomic_size;
typedef std::atomic<uintptr_t> ct_atomic_uptr;
static_assert(sizeof(ct_atomic_u32) == 4 && sizeof(ct_atomic_u64) == 8,
	      "std::atomic must match C11 _Atomic layout");
#else
#include <stdatomic.h>
typedef _Atomic(uint32_t) ct_atomic_u32;
typedef _Atomic(uint64_t) ct_atomic_u64;
typedef _Atomic(size_t) ct_atomic_size;
typedef _Atomic(uintptr_t) ct_atomic_uptr;
#endif

/* The size contend assumes for a cache line (false-sharing padding). */
#define CT_CACHE_LINE 64

#endif
