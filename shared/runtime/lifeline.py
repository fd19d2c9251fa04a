"""Child processes die with the process that started them, even when it is SIGKILLed.

`doorstep up` runs nats-server and the four services as children. Killed with SIGKILL, the
launcher cannot stop them: on Linux the kernel's parent-death signal (prctl PR_SET_PDEATHSIG)
does it instead. The child asks for it between fork and exec, then checks that its parent is
still the launcher (it may have died in between). The signal follows the thread that started
the child: start children from the main thread.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
from collections.abc import Callable

PR_SET_PDEATHSIG = 1


def die_with_parent() -> Callable[[], None] | None:
    """A `preexec_fn` for subprocess.Popen; None where the platform has no parent-death signal."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    parent = os.getpid()

    def in_child() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the launcher died before the signal was armed
            os._exit(1)

    return in_child
