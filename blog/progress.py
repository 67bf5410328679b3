"""A long command's progress (import_jekyll, generate_corpus): a bar with counts and an ETA
on a terminal, plain `N/M` lines at intervals anywhere else (CI, logs, a pipe).

Pure: it writes to the stream it is given and reads the time from the clock it is given, so
a test drives it with a fake terminal (an io.StringIO whose isatty() is True) and a fake clock.

On a terminal the bar is the last line, redrawn in place (carriage return, erase line). The
command writes a line per file as its file is committed; it calls clear() first (or
message(), which does both), so the line replaces the bar instead of being appended to it, and
the next update() draws the bar again below it. Off a terminal nothing is redrawn: a carriage
return in a log file is noise.
"""

import time
from collections.abc import Callable

from django.core.management.base import OutputWrapper

BAR_WIDTH = 24
# Off a terminal: a line at every tenth of the files, or after 5 s without one, whichever is
# first. Enough to see that a long import is alive without one line per file twice over.
LINE_STEPS = 10  # a line at each tenth
LINE_EVERY_SECONDS = 5.0
# The terminal is redrawn at most this often: thousands of fast files (unchanged ones take a
# few milliseconds) would otherwise spend their time repainting.
REDRAW_SECONDS = 0.1
ERASE_LINE = "\r\x1b[K"
MIN_ETA_SECONDS = 1.0


def format_duration(seconds: float) -> str:
    """0:42, 12:05, 1:02:03."""
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


class Progress:
    """`update(done, counts)` after each file; `finish()` once at the end."""

    def __init__(self, stream, total: int, *, clock: Callable[[], float] = time.monotonic):
        self.stream, self.total, self.clock = stream, total, clock
        # A command's stdout (OutputWrapper) ends every write with a newline unless told not
        # to: a redraw of the bar must not.
        self.ending = {"ending": ""} if isinstance(stream, OutputWrapper) else {}
        isatty = getattr(stream, "isatty", None)
        self.tty = bool(isatty and isatty())
        self.started = self.last_line = clock()
        self.last_drawn = None  # when the bar was last drawn (terminal)
        self.shown = False  # the bar is on screen (terminal)
        self.done, self.counts = 0, {}
        self.line_done = None  # the count the last `N/M` line showed (not a terminal)
        self.next_step = 1  # the tenth the next `N/M` line is due at (counted in integers)

    def eta(self) -> float | None:
        """Seconds left at the pace so far; None before the first file is done or the first
        second has passed (a pace read from a few milliseconds says nothing)."""
        elapsed = self.clock() - self.started
        if not self.done or not self.total or elapsed < MIN_ETA_SECONDS:
            return None
        return elapsed / self.done * (self.total - self.done)

    def update(self, done: int, counts: dict[str, int] | None = None) -> None:
        self.done, self.counts = done, dict(counts or {})
        now = self.clock()
        if self.tty:
            due = self.last_drawn is None or now - self.last_drawn >= REDRAW_SECONDS
            if due or not self.shown or done >= self.total:
                self._draw(now)
            return
        tenths = done * LINE_STEPS
        if tenths >= self.next_step * self.total or now - self.last_line >= LINE_EVERY_SECONDS:
            self._line(now)
            while self.next_step * self.total <= tenths:
                self.next_step += 1

    def clear(self) -> None:
        """Take the bar off the screen before another line is written (terminal only)."""
        if self.tty and self.shown:
            self._write(ERASE_LINE)
            self.shown = False

    def message(self, text: str) -> None:
        """A line of its own, where the bar was (the next update() draws it again below)."""
        self.clear()
        self._write(text + "\n")
        self.stream.flush()

    def finish(self) -> None:
        """Leave the final state: the full bar on its own line, or a last `N/M` line."""
        if self.tty:
            self._draw(self.clock())
            self._write("\n")
            self.shown = False
        elif self.done != self.line_done:
            self._line(self.clock())
        self.stream.flush()

    def text(self) -> str:
        """The bar's text: `[#####-----]  120/500  24%  created 100 ...  ETA 0:42`."""
        fraction = self.done / self.total if self.total else 1.0
        filled = int(BAR_WIDTH * fraction)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        parts = [f"[{bar}] {self._count()} {fraction:4.0%}"]
        parts += [f"{name} {n}" for name, n in self.counts.items() if n]
        eta = self.eta()
        if self.done >= self.total:
            parts.append(f"in {format_duration(self.clock() - self.started)}")
        elif eta is not None:
            parts.append(f"ETA {format_duration(eta)}")
        return "  ".join(parts)

    def _count(self) -> str:
        width = len(str(self.total))
        return f"{self.done:>{width}}/{self.total}"

    def _write(self, text: str) -> None:
        self.stream.write(text, **self.ending)

    def _draw(self, now: float) -> None:
        self._write(ERASE_LINE + self.text())
        self.stream.flush()
        self.shown, self.last_drawn = True, now

    def _line(self, now: float) -> None:
        fraction = self.done / self.total if self.total else 1.0
        line = f"{self.done}/{self.total} ({fraction:.0%})"
        eta = self.eta()
        if eta is not None and self.done < self.total:
            line += f", about {format_duration(eta)} left"
        self._write(line + "\n")
        self.stream.flush()
        self.last_line, self.line_done = now, self.done
