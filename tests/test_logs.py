"""One logger per package, one handler to the stderr of the moment, the format set by the CLI."""

import re

from linesift.logs import PLAIN, STAMPED, get_logger, set_format
from linesift.train.notes import Notes


def test_packages_log_through_one_handler_to_the_current_stderr(capsys):
    get_logger("linesift.train").info("fitting")
    get_logger("linesift.annotate").warning("import failed")
    assert capsys.readouterr().err == "fitting\nimport failed\n"


def test_the_cli_can_stamp_every_line(capsys):
    try:
        set_format(STAMPED)
        get_logger("linesift.annotate.serve").info("serve: listening")
    finally:
        set_format(PLAIN)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d serve: listening\n",
                        capsys.readouterr().err)


def test_a_package_can_be_silenced_and_notes_still_reach_the_card(capsys):
    logger = get_logger("linesift.train")
    logger.setLevel("WARNING")
    try:
        notes = Notes(progress=True)
        notes.warn("few sites")
    finally:
        logger.setLevel("NOTSET")
    assert capsys.readouterr().err == "" and list(notes) == ["few sites"]
