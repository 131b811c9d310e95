"""What ``--on-error skip`` does with an input file that cannot be read at all.

A bad record (a malformed JSONL line, a record without text) is skipped by the readers
themselves. A bad *file* (unreadable, binary, undecodable, a Parquet file without the text
column, a truncated gzip) raises :class:`~linesift.errors.InputError` from its page stream. With
``on_error="fail"`` that error ends the run; with ``"skip"`` :class:`SkippableInput` ends that
file's stream quietly, and :meth:`SkippableInput.checked` raises :class:`SkippedInput` once the
writer has taken every page, so the file's output is discarded (never half-written) and the run
goes on with the next file. The stream ends quietly rather than raising because the parallel
scorer stops reading all later files at the first error it sees.
"""

from ..errors import InputError


class SkippedInput(Exception):
    """Raised inside an output's writer when its input was skipped: the output is discarded."""

    def __init__(self, error):
        self.error = error
        super().__init__(str(error))


class SkippableInput:
    """A page stream that, with ``on_error="skip"``, ends at a file-level InputError.

    Parameters
    ----------
    pages : iterable of Page
        One input file's pages (``read_file``).
    on_error : str
        ``"skip"`` or ``"fail"`` (errors pass through unchanged).
    """

    def __init__(self, pages, on_error):
        self.pages = pages
        self.on_error = on_error
        self.error = None

    def __iter__(self):
        try:
            yield from self.pages
        except InputError as exc:
            if self.on_error != "skip":
                raise
            self.error = exc

    def checked(self, sifted):
        """Yield from `sifted` (this input's results), then raise SkippedInput if it failed."""
        yield from sifted
        if self.error is not None:
            raise SkippedInput(self.error)
