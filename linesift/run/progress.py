"""The filter's progress bar: pages/s from tqdm, lines/s as its postfix, on stderr."""

import sys
import time

from tqdm import tqdm

POSTFIX_SECONDS = 0.5
"""The lines/s postfix is refreshed at most this often."""


class RateBar(tqdm):
    """A tqdm bar counting pages that also shows the lines per second since it started."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = 0
        self._started = self._shown = time.perf_counter()

    def advance(self, pages=1, lines=0):
        """Count `pages` done holding `lines` lines."""
        self.lines += lines
        now = time.perf_counter()
        if not self.disable and now - self._shown >= POSTFIX_SECONDS:
            self._show_rate(now)
        self.update(pages)

    def _show_rate(self, now):
        self._shown = now
        rate = self.lines / max(now - self._started, 1e-9)
        self.set_postfix_str(f"{rate:,.0f} lines/s", refresh=False)

    def close(self):
        if not self.disable and getattr(self, "lines", 0):
            self._show_rate(time.perf_counter())
        super().close()


def rate_bar(enabled=True, unit="page", total=None):
    """A :class:`RateBar` on stderr (hidden when stderr is not a terminal, or when disabled),
    out of `total` when it is known ("12/40 page"), else a count ("12 pages")."""
    return RateBar(unit=unit if total is not None else f" {unit}s", total=total,
                   file=sys.stderr, disable=None if enabled else True, dynamic_ncols=True,
                   mininterval=0.5)


def advance(progress, pages, lines):
    """Advance any tqdm-like `progress` (a :class:`RateBar` also counts lines)."""
    if progress is None:
        return
    if isinstance(progress, RateBar):
        progress.advance(pages, lines)
    else:
        progress.update(pages)
