/*
 * contend/api.h — CT_API, the mark on every function libcontend exports.
 *
 * The library is built with hidden symbol visibility (-fvisibility=hidden):
 * only the prototypes marked CT_API in these headers are exported from
 * the shared library, and a test (lib/tests/exports_check.py) checks that
 * `nm -D` of libcontend.so shows exactly those names. Everything else,
 * the internal ct__* helpers included, stays private.
 */
#ifndef CONTEND_API_H
#define CONTEND_API_H

#if defined(__GNUC__) || defined(__clang__)
#define CT_API __attribute__((visibility("default")))
#else
#define CT_API
#endif

#endif
