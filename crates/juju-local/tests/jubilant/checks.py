"""What the jubilant-driven scripts share: a check that reports and goes on, polling until a
condition holds, and the closing tally (`N passed, M failed`, exit 1 on any failure)."""

import contextlib
import sys
import time

TIMEOUT = 180
passed = failed = 0


@contextlib.contextmanager
def check(name):
    """One check: its block's assertions pass, or it is reported and the script goes on."""
    global passed, failed
    try:
        yield
    except Exception as e:
        failed += 1
        print(f'not ok {passed + failed} - {name}\n  {type(e).__name__}: {e}', flush=True)
    else:
        passed += 1
        print(f'ok {passed + failed} - {name}', flush=True)


def until(what, fn, timeout=TIMEOUT):
    """Polls `fn` until it returns a true value (which is returned); a check that fails meanwhile
    is retried, and its last failure is reported at the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            got, why = fn(), None
        except (AssertionError, IndexError, KeyError) as e:
            got, why = None, e
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f'timed out waiting for {what}; last: {why!r}')
        time.sleep(0.3)


def finish():
    """Prints the tally and exits non-zero if any check failed."""
    print(f'{passed} passed, {failed} failed')
    sys.exit(1 if failed else 0)
