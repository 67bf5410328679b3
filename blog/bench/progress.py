"""A progress bar for long loads: counts, rate and time left, redrawn in place on a terminal;
plain "N/M" lines elsewhere (a log, CI), at most one every few seconds."""

import time

from django.core.management.base import OutputWrapper


def duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes} min {seconds:02d} s"


class Progress:
    WIDTH = 30
    PLAIN_EVERY = 5.0  # seconds between lines when not on a terminal

    def __init__(self, stream, total: int, unit: str = "posts", tty: bool | None = None):
        self.stream, self.total, self.unit = stream, total, unit
        self.tty = stream.isatty() if tty is None else tty
        # A command's stdout ends every write with a newline unless told otherwise.
        self.ending = {"ending": ""} if isinstance(stream, OutputWrapper) else {}
        self.last_line = float("-inf")
        self.drawn = False

    def line(self, done: int, seconds: float) -> str:
        rate = done / seconds if seconds > 0 else 0.0
        left = (self.total - done) / rate if rate else None
        eta = f"ETA {duration(left)}" if left is not None and done < self.total else "done"
        if not self.tty:
            return f"{done}/{self.total} {self.unit} ({duration(seconds)}, {rate:,.0f}/s, {eta})"
        filled = round(self.WIDTH * done / self.total) if self.total else self.WIDTH
        bar = "#" * filled + "." * (self.WIDTH - filled)
        return (
            f"[{bar}] {done:>{len(f'{self.total:,}')},}/{self.total:,} {self.unit}  "
            f"{rate:,.0f}/s  {duration(seconds)}  {eta}"
        )

    def __call__(self, done: int, total: int, seconds: float) -> None:
        """The callback generate() calls after each batch."""
        self.total = total
        finished = done >= total
        if self.tty:
            self.stream.write(
                "\r" + self.line(done, seconds) + ("\n" if finished else ""), **self.ending
            )
            self.drawn = not finished
        elif finished or time.monotonic() - self.last_line >= self.PLAIN_EVERY:
            self.stream.write(self.line(done, seconds) + "\n", **self.ending)
            self.last_line = time.monotonic()
        self.stream.flush()

    def message(self, text: str) -> None:
        """A line of its own, below the bar (which the next update draws again)."""
        if self.drawn:
            self.stream.write("\n", **self.ending)
            self.drawn = False
        self.stream.write(text + "\n", **self.ending)
        self.stream.flush()
