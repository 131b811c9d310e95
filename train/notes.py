"""What training says as it goes: progress lines on stderr and the warnings kept for the card."""

from linesift.logs import get_logger

LOGGER = get_logger("linesift.train")


def log(message):
    """One progress line (the ``linesift.train`` logger, INFO)."""
    LOGGER.info(message)


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
