"""Labelling sessions on Label Studio: push pages with pre-annotations, pull labels back.

Installed as ``linesift.annotate``. It imports the core floors of linesift; of linesift only
the CLI imports it. Every label-studio-sdk call is in :mod:`linesift.annotate.client`.
"""

import importlib

_HOMES = {
    "backend": ["BackendServer", "LiveModel", "Retrainer", "serve"],
    "client": ["AuthError", "Credentials", "LabelStudioError", "ProjectNotFound", "Server",
               "ServerUnreachable", "UncertainWrite", "connect", "resolve_credentials"],
    "config": ["DEFAULT_LAYOUT", "LAYOUTS", "NotLinesiftProject", "detect_layout",
               "existing_layout", "label_config"],
    "export": ["PullStats", "annotation_labels", "covered_lines", "fleiss_kappa",
               "labelled_pages", "majority"],
    "pull": ["pull_labels", "summary_path"],
    "push": ["PushSummary", "push_pages"],
    "tasks": ["page_prediction", "page_tasks", "task_key", "page_of_task", "text_hash"],
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}


def __getattr__(name):
    """Load names on first use: label-studio-sdk is slow to import, and `linesift filter`,
    which mounts the annotate commands, should not pay for it."""
    if name not in _HOME_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_HOME_OF[name]}", __name__), name)


__all__ = sorted(_HOME_OF)
