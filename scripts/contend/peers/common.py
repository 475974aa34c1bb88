"""contend.peers.common — python-peers' constants and run-wide settings."""

PROG = "python-peers"

FAMILY_ORDER = ("counter", "mutex", "rmutex", "event", "queue")
CS_NS = (0, 50, 1000)
DEPTHS = (1, 4, 16)
CAPS = (1, 16, 1024)
MODES = ("block", "try", "timed")
IMPLS = ("cpython_lock", "cpython_rlock", "cpython_event", "cpython_queue")

LOCK_EVERY = 64          # mean lock operations per chunk (the first of each is timed)
QUEUE_EVERY = 32         # mean queue operations per chunk
TIMED_TIMEOUT_S = 0.001  # mode:timed puts and gets (contend-bench: 1 ms)
TRIAL_GRACE_S = 30.0     # a trial must end within duration + this

DEFAULT_DURATION = 0.2
DEFAULT_PLACES = "none,compact,scatter"
MAX_THREADS = 4096

# Run-wide settings: filled by main before anything runs.
CFG = {
    "sample": -1,               # -1 auto, 0 off, N: mean chunk length
    "correction_ns": 0,         # subtracted from every latency sample
    "outside_ns": 100,          # mutex with cs_ns > 0: work after each hold
    "timed_wait_ns": 50000,     # event timed_wait timeout
    "bind_refused": 0,          # errno of the start-up binding probe, 0 = ok
}

class UsageError(Exception):
    """Bad command line; str() is the one line to print."""
