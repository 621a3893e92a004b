"""A progress line for long loops: tasks done, time elapsed and time left."""

import sys
import time


class Progress:
    """One line per finished task (or an updating line on a terminal) with elapsed time.

    Parameters
    ----------
    total : int
        Number of tasks.
    label : str
        Prefix of every line.
    stream : file-like, default=None
        Where the lines go; None is ``sys.stdout``.
    """

    def __init__(self, total, label, stream=None):
        self.total, self.label, self.done = total, label, 0
        self.stream = stream or sys.stdout
        self.t0 = time.perf_counter()
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    def step(self, what=""):
        """Count one finished task and write the line.

        Parameters
        ----------
        what : str, default=''
            Description of the task, shown after the count.
        """
        self.done += 1
        elapsed = time.perf_counter() - self.t0
        eta = elapsed / self.done * (self.total - self.done)
        msg = (
            f"[{self.label}] {self.done}/{self.total} {what} "
            f"({elapsed:.1f} s elapsed, ~{eta:.0f} s left)"
        )
        if self.tty:
            end = "\n" if self.done == self.total else ""
            self.stream.write("\r" + msg.ljust(100) + end)
        else:
            self.stream.write(msg + "\n")
        self.stream.flush()
