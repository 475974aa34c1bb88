"""contend.io — files: atomic writes (temp file + rename), bounded reads,
JSON and CSV text, and the one-line error messages of the scripts."""

import csv
import errno
import gzip
import io
import json
import math
import os
import re
import signal
import stat
import sys
import tempfile

# A Google Benchmark JSON file is a few MB even for a long sweep; anything
# this big is not one (and is refused before it is read into memory).
MAX_JSON_BYTES = 256 << 20

# Errors of a write that started and could not finish (the disk filled
# up): exit status 1. Any other OSError means the place itself is unusable
# (missing, read-only, not a folder): bad usage, exit status 2.
WRITE_FAILED_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO)


class ResultsError(Exception):
    """A result file or folder that cannot be used; str() is one line."""


# ---------------------------------------------------------------- files

def os_error_status(e):
    """Exit status for an OSError met while writing results: 1 or 2."""
    return 1 if e.errno in WRITE_FAILED_ERRNOS else 2


def os_error_text(e, default=""):
    """One line for an OSError: 'FILE: reason'."""
    return "%s: %s" % (e.filename or default, e.strerror or e)


def printable(text):
    """text made valid UTF-8: the undecodable bytes of a file name (which
    Python carries as surrogate escapes) become \\xNN, other lone
    surrogates \\uNNNN."""
    return _SURROGATE.sub(_escape_surrogate, text)


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _escape_surrogate(m):
    c = ord(m.group())
    return "\\x%02x" % (c - 0xdc00) if 0xdc80 <= c <= 0xdcff else "\\u%04x" % c


def run_main(main, argv):
    """sys.exit(main(argv)) for a script's entry point: exit status 130 on
    Ctrl-C, 1 when stdout is a pipe closed early (e.g. `| head`)."""
    try:
        sys.exit(main(argv))
    except BrokenPipeError:
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)


def safe_stdio():
    """Lets stdout and stderr print file names that are not UTF-8 (their
    original bytes go out) instead of raising UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        enc = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="surrogateescape" if enc == "utf8" else "backslashreplace")


def read_limited(path, limit=MAX_JSON_BYTES):
    """The bytes of a regular file of at most limit bytes; ResultsError
    (naming the file) for anything else: a FIFO or device would block or
    never end."""
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise ResultsError("%s: not a regular file" % path)
        if st.st_size > limit:
            raise ResultsError("%s: too large (%d MiB; a result file is at most %d MiB)"
                               % (path, st.st_size >> 20, limit >> 20))
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as e:
        raise ResultsError("%s: cannot read: %s" % (path, e.strerror or e))
    if path.endswith(".gz"):
        # A committed reference run keeps its JSON gzip-compressed.
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as z:
                data = z.read(limit + 1)
        except (OSError, EOFError, ValueError) as e:
            raise ResultsError("%s: not a readable gzip file (%s)" % (path, e))
        if len(data) > limit:
            raise ResultsError("%s: too large uncompressed (a result file is at most %d MiB)"
                               % (path, limit >> 20))
    return data


def read_json_bytes(path, raw, what="JSON"):
    """Parses raw (the bytes of path); ResultsError naming the file."""
    try:
        return json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as e:
        raise ResultsError("%s: unreadable %s: %s" % (path, what, e))


def read_json(path, what="JSON"):
    """The parsed JSON of a bounded regular file; ResultsError naming it."""
    return read_json_bytes(path, read_limited(path), what)


def atomic_write_bytes(path, data):
    """Writes data to path via a temp file in the same folder + rename.

    SIGINT and SIGTERM are held back while the file is written, so an
    interrupt never leaves a half-written file or a stray temp file.
    An OSError names path (not the temp file), whatever step failed.
    """
    folder = os.path.dirname(os.path.abspath(path))
    old = _block_signals()
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except OSError as e:
        raise OSError(e.errno, e.strerror, path) from None
    finally:
        _restore_signals(old)


def atomic_write_text(path, text):
    atomic_write_bytes(path, printable(text).encode("utf-8"))


def json_text(obj, indent=2):
    """JSON text of obj (strict: NaN and infinities become 0.0), ending in a newline."""
    return json.dumps(_finite(obj), indent=indent, ensure_ascii=False) + "\n"


def _finite(obj):
    if isinstance(obj, float) and not math.isfinite(obj):
        return 0.0
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def atomic_write_json(path, obj):
    atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=False) + "\n")


def unlink_quietly(path):
    """Removes a file if it is there; a missing one is no error."""
    try:
        os.unlink(path)
    except OSError:
        pass


def atomic_rename(src, dst):
    """Moves a finished temp file into place (same file system)."""
    old = _block_signals()
    try:
        os.makedirs(os.path.dirname(os.path.abspath(dst)), exist_ok=True)
        os.replace(src, dst)
    finally:
        _restore_signals(old)


def _block_signals():
    if not hasattr(signal, "pthread_sigmask"):
        return None
    try:
        return signal.pthread_sigmask(signal.SIG_BLOCK,
                                      {signal.SIGINT, signal.SIGTERM})
    except (OSError, ValueError):
        return None


def _restore_signals(old):
    if old is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def csv_text(header, rows):
    """CSV text for rows (dicts or sequences); None and NaN become empty."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    for row in rows:
        if isinstance(row, dict):
            row = [row.get(h) for h in header]
        w.writerow([_csv_cell(v) for v in row])
    return out.getvalue()


def _csv_cell(v):
    if v is None:
        return ""
    if isinstance(v, float):
        if math.isnan(v) or math.isinf(v):
            return ""
        return repr(v) if abs(v) >= 1e-4 or v == 0 else "%.6e" % v
    return v


# ------------------------------------------------------------ Google Benchmark
