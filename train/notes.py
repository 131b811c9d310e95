"""What training says as it goes: progress lines on stderr and the warnings kept for the card."""

import sys


def log(message):
    """One progress line on stderr."""
    print(message, file=sys.stderr, flush=True)


class Notes(list):
    """Warnings gathered while training: printed as they come, kept for the card."""

    def __init__(self, progress=True):
        super().__init__()
        self.progress = progress

    def warn(self, message):
        self.append(message)
        if self.progress:
            log(f"warning: {message}")

    def say(self, message):
        """A progress line (not a warning: not kept for the card)."""
        if self.progress:
            log(message)
