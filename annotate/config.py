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
instead the same key combination that no keyboard sends (``HOTKEY``), and the hint is hidden.
"""

import xml.etree.ElementTree as ET

from linesift.labels import BOILERPLATE, CONTENT, LABELS

PAGE = "page"
LINE = "line"
LAYOUTS = (PAGE, LINE)

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

_CHOICES = (f'<Choice value="{CONTENT}" hotkey="{HOTKEY}"/>'
            f'<Choice value="{BOILERPLATE}" hotkey="{HOTKEY}"/>')

PAGE_CONFIG = f"""<View>
  <!-- linesift page layout: one content/boilerplate choice per non-blank line -->{_STYLE}
  <Header value="$title" size="5"/>
  <Repeater on="$lines" indexFlag="{{{{idx}}}}">
    <View className="linesift-row">
      <View className="linesift-no"><Text name="no_{{{{idx}}}}" value="$lines[{{{{idx}}}}].line_no" selectionEnabled="false"/></View>
      <View className="linesift-choice">
        <Choices name="{PAGE_CONTROL}" toName="{PAGE_OBJECT}" choice="single" showInline="true">{_CHOICES}</Choices>
      </View>
      <View className="linesift-text"><Text name="{PAGE_OBJECT}" value="$lines[{{{{idx}}}}].text" selectionEnabled="false"/></View>
    </View>
  </Repeater>
</View>
"""

LINE_CONFIG = f"""<View>
  <!-- linesift line layout: one content/boilerplate choice per task, with context -->{_STYLE}
  <Header value="$title" size="5"/>
  <View className="linesift-context"><Text name="before" value="$before" selectionEnabled="false"/></View>
  <View className="linesift-target">
    <Text name="{LINE_OBJECT}" value="$text" selectionEnabled="false"/>
    <Choices name="{LINE_CONTROL}" toName="{LINE_OBJECT}" choice="single" showInline="true">{_CHOICES}</Choices>
  </View>
  <View className="linesift-context"><Text name="after" value="$after" selectionEnabled="false"/></View>
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
