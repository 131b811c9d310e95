"""Label Studio labelling configs that linesift generates, and recognising them again.

Two layouts:

``page``
    One task per page. A ``Repeater`` over the task's ``lines`` list shows every non-blank line
    with its ``line_no`` and a content/boilerplate choice beside it. Result items are named
    ``label_<i>`` / ``line_<i>``, where ``i`` is the position in ``lines``, not the ``line_no``.
``line``
    One task per line: the line with a choice, and a few lines before and after it as context.
    Result items are named ``label`` / ``line``.

Label Studio numbers every choice with a hotkey (1, 2, ... then letters) until it runs out of
keys, so on a page the first dozen lines flip when someone types a digit. Every choice here gets
instead the same key combination, which nobody presses by accident (``HOTKEY``), and the hint
is hidden.
"""

import xml.etree.ElementTree as ET

from linesift.labels import LABELS

PAGE = "page"
LINE = "line"
LAYOUTS = (PAGE, LINE)
BATCH_SIZE = 100
"""Tasks per import request: small enough for Label Studio to answer well within a timeout."""

HOTKEY = "ctrl+alt+shift+f19"
"""Bound to every choice so Label Studio assigns no digits or letters of its own."""

PAGE_CONTROL = "label_{{idx}}"
PAGE_OBJECT = "line_{{idx}}"
LINE_CONTROL = "label"
LINE_OBJECT = "line"

_STYLE = """
  <Style>
    .linesift-row { display: flex; gap: 10px; align-items: flex-start; padding: 1px 0;
                    border-bottom: 1px solid #f0f0f0; }
    .linesift-no { flex: none; width: 3.5em; text-align: right; color: #999;
                   font-family: monospace; }
    .linesift-choice { flex: none; }
    .linesift-choice .lsf-choices { margin: 0; }
    .linesift-text { flex: 1; }
    .linesift-context { color: #888; white-space: pre-wrap; }
    .linesift-target { font-weight: 600; padding: 4px 0; }
    .linesift-row .lsf-hint, .linesift-target .lsf-hint { display: none; }
  </Style>"""

IDX = "{{idx}}"


def _text(name, value):
    return f'<Text name="{name}" value="{value}" selectionEnabled="false"/>'


def _choices(name, to_name):
    choices = "".join(f'<Choice value="{label}" hotkey="{HOTKEY}"/>' for label in LABELS)
    return (f'<Choices name="{name}" toName="{to_name}" choice="single" showInline="true">'
            f"{choices}</Choices>")


PAGE_CONFIG = f"""<View>
  <!-- linesift page layout: one content/boilerplate choice per non-blank line -->{_STYLE}
  <Header value="$title" size="5"/>
  <Repeater on="$lines" indexFlag="{IDX}">
    <View className="linesift-row">
      <View className="linesift-no">{_text(f"no_{IDX}", f"$lines[{IDX}].line_no")}</View>
      <View className="linesift-choice">{_choices(PAGE_CONTROL, PAGE_OBJECT)}</View>
      <View className="linesift-text">{_text(PAGE_OBJECT, f"$lines[{IDX}].text")}</View>
    </View>
  </Repeater>
</View>
"""

LINE_CONFIG = f"""<View>
  <!-- linesift line layout: one content/boilerplate choice per task, with context -->{_STYLE}
  <Header value="$title" size="5"/>
  <View className="linesift-context">{_text("before", "$before")}</View>
  <View className="linesift-target">
    {_text(LINE_OBJECT, "$text")}
    {_choices(LINE_CONTROL, LINE_OBJECT)}
  </View>
  <View className="linesift-context">{_text("after", "$after")}</View>
</View>
"""


def label_config(layout):
    """The labelling config (XML) for `layout`, ``"page"`` or ``"line"``."""
    if layout == PAGE:
        return PAGE_CONFIG
    if layout == LINE:
        return LINE_CONFIG
    raise ValueError(f"unknown layout {layout!r}; expected one of {LAYOUTS}")


def detect_layout(config):
    """The linesift layout of a project's labelling config, or None if it is not linesift's.

    A config is linesift's when it has a single-choice ``Choices`` with exactly the choices
    ``content`` and ``boilerplate``, named as :func:`label_config` names it (inside a Repeater
    over ``$lines`` for the page layout). Styling and extra tags may differ.

    Parameters
    ----------
    config : str
        The project's ``label_config`` XML.

    Returns
    -------
    str or None
        ``"page"``, ``"line"`` or None.
    """
    try:
        root = ET.fromstring(config or "")
    except ET.ParseError:
        return None
    for repeater in root.iter("Repeater"):
        if repeater.get("on") == "$lines" and _has_choices(repeater, PAGE_CONTROL, PAGE_OBJECT):
            return PAGE
    if _has_choices(root, LINE_CONTROL, LINE_OBJECT):
        return LINE
    return None


def _has_choices(element, name, to_name):
    for choices in element.iter("Choices"):
        if choices.get("name") != name or choices.get("toName") != to_name:
            continue
        values = sorted(choice.get("value") for choice in choices.iter("Choice"))
        if values == sorted(LABELS) and choices.get("choice", "single") == "single":
            return True
    return False
