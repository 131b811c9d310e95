"""Label Studio labelling configs that linesift generates, and recognising them again.

Three layouts:

``runs`` (the default)
    One task per page, shown with Label Studio's ``Paragraphs`` tag: a line per paragraph with
    its ``line_no`` (and the model's confidence where it doubts). The annotator presses ``c``
    (content) or ``b`` (boilerplate) and drags over a run of lines: a ``ParagraphLabels`` region
    labels every line it touches. The model's guess comes as one region per run of lines with
    the same label, so every line is coloured; where regions overlap, the one made last wins.
    Result items are named ``label`` / ``lines``; ``start`` and ``end`` are positions in the
    task's ``lines``, not ``line_no``.
``page``
    One task per page. A ``Repeater`` over the task's ``lines`` list shows every non-blank line
    with its ``line_no``, the model's confidence and a content/boilerplate radio button beside
    it (a radio button cannot be unticked, so no line goes blank by a stray click). Result items
    are named ``label_<i>`` / ``line_<i>``, where ``i`` is the position in ``lines``, not the
    ``line_no``. Label Studio 1.23 cannot validate predictions inside a ``Repeater`` (its
    validator does not expand ``{{idx}}``), so pre-filled pushes to this layout log one error per
    line in the server's log; the ``runs`` layout has no such problem.
``line``
    One task per line: the line with a choice, and a few lines before and after it as context.
    Result items are named ``label`` / ``line``.

Label Studio numbers every choice with a hotkey (1, 2, ... then letters) until it runs out of
keys, so on a page the first dozen lines flip when someone types a digit. Every choice here gets
instead the same key combination, which nobody presses by accident (``HOTKEY``), and the hint
is hidden.
"""

import xml.etree.ElementTree as ET

from linesift.errors import LinesiftError
from linesift.labels import LABELS

RUNS_LAYOUT = "runs"
PAGE_LAYOUT = "page"
LINE_LAYOUT = "line"
LAYOUTS = (RUNS_LAYOUT, PAGE_LAYOUT, LINE_LAYOUT)
DEFAULT_LAYOUT = RUNS_LAYOUT
BATCH_SIZE = 100
"""Tasks per import request: small enough for Label Studio to answer well within a timeout."""

HOTKEY = "ctrl+alt+shift+f19"
"""Bound to every choice so Label Studio assigns no digits or letters of its own."""

PAGE_CONTROL = "label_{{idx}}"
PAGE_OBJECT = "line_{{idx}}"
LINE_CONTROL = "label"
LINE_OBJECT = "line"
RUNS_CONTROL = "label"
RUNS_OBJECT = "lines"
RUNS_RESULT_TYPE = "paragraphlabels"
RUNS_HOTKEYS = {"content": "c", "boilerplate": "b"}
"""The key that picks each label in the ``runs`` layout, before dragging over lines."""
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 9090
"""Where ``annotate serve`` listens: Label Studio's examples run ML backends on 9090."""
HEAD_DIGITS = 5
"""Width of the line number in a runs task's line head (``   72 · 60%``): padded to it, so
that the doubt mark after it can be cut off by CSS alone once the line is corrected."""
COLOURS = {"content": "#2e7d32", "boilerplate": "#c62828"}
"""Label colours (hex, as Label Studio's ``background``); the runs layout's CSS follows them."""

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
    .linesift-conf { flex: none; width: 3em; text-align: right; color: #b26a00;
                     font-family: monospace; font-size: 90%; }
    .linesift-row:has(.ant-radio-wrapper-checked input[name="content"]) {
      background: #2e7d3214; }
    .linesift-row:has(.ant-radio-wrapper-checked input[name="boilerplate"]) {
      background: #c628281f; }
  </Style>"""

def _opaque_regions():
    """CSS giving each label's region its colour at Label Studio's 0.3 alpha, made opaque."""
    rules = []
    for label in LABELS:
        rgb = [int(COLOURS[label][i:i + 2], 16) for i in (1, 3, 5)]
        flat = "".join(f"{round(255 - 0.3 * (255 - c)):02x}" for c in rgb)
        match = ", ".join(map(str, rgb)) + ", 0.3)"
        rules.append(f'    .linesift-runs .htx-highlight[style*="{match}"] '
                     f"{{ background-color: #{flat} !important; }}")
    return "\n".join(rules)


_RUNS_STYLE = f"""
  <Style>
    .linesift-runs [class*="authorFilter--"] {{ display: none; }}
    .linesift-runs [class*="phraseContainer--"] {{ margin: 0; }}
    .linesift-runs [class*="phrase--"] {{ margin: 0 !important;
      padding: 1px 4px 1px 7em !important; min-height: 0 !important;
      border-radius: 0 !important; border-width: 0 0 1px 0 !important;
      position: relative; line-height: 1.45; }}
    .linesift-runs [class*="selectAllBtnWrapper--"] {{ display: none; }}
    .linesift-runs [class*="time--"], .linesift-runs [class*="readingLine--"] {{ display: none; }}
    .linesift-runs [class*="titleWrapper--"] {{ position: absolute; left: 0; top: 1px;
      width: 6.4em; text-align: left; font-family: monospace; color: #888;
      white-space: pre; }}
    /* a line corrected by hand holds a region inside the pre-fill's: the model's doubt mark
       after its number is out of date, so only the number (HEAD_DIGITS wide) shows */
    .linesift-runs [class*="phrase--"]:has(.htx-highlight .htx-highlight) [class*="name--"] {{
      display: inline-block; width: {HEAD_DIGITS}ch; overflow: hidden;
      vertical-align: top; }}
    .linesift-runs [class*="dialoguename--"], .linesift-runs [class*="name--"] {{
      color: #888 !important; font-size: 90%; white-space: pre !important;
      font-family: monospace !important; }}
    .linesift-keys {{ color: #666; margin: 2px 0 6px; }}
    /* Label Studio's Regions list would show a pre-fill run beside the correction that
       overrides it; the lines' colours are the labels saved, so the list gives way to a line
       that says so */
    .lsf-wrapper:has(.linesift-runs) .lsf-outliner-tree {{ display: none; }}
    .lsf-wrapper:has(.linesift-runs) .lsf-outliner::after {{ display: block; padding: 12px;
      color: #666; content: "The colour of each line is its label as saved: where regions "
      "overlap, the last one counts. The undo arrow below takes a drag back."; }}
    /* each line takes its direction from its own first letter: Arabic and Hebrew lines run
       right to left, their final stop at their left end */
    .linesift-runs [class*="wrapperText--"], .linesift-runs [class*="text--"] {{
      unicode-bidi: plaintext; text-align: start; display: block; }}
    /* opaque region colours: where regions overlap, the innermost (made last) shows */
{_opaque_regions()}
  </Style>"""

IDX = "{{idx}}"
SINGLE_CHOICE = ("single", "single-radio")


def _text(name, value):
    return f'<Text name="{name}" value="{value}" selectionEnabled="false"/>'


def _choices(name, to_name, choice="single"):
    choices = "".join(f'<Choice value="{label}" hotkey="{HOTKEY}"/>' for label in LABELS)
    return (f'<Choices name="{name}" toName="{to_name}" choice="{choice}" showInline="true">'
            f"{choices}</Choices>")


def _run_labels():
    labels = "".join(f'<Label value="{label}" hotkey="{RUNS_HOTKEYS[label]}" '
                     f'background="{COLOURS[label]}"/>' for label in LABELS)
    return (f'<ParagraphLabels name="{RUNS_CONTROL}" toName="{RUNS_OBJECT}">{labels}'
            "</ParagraphLabels>")


RUNS_HELP = ("Press c (content) or b (boilerplate), then drag over a run of lines. A key "
             "labels one drag: press it again before the next, or turn on Settings (the gear "
             "below) > 'Keep label selected after creating a region' once, and press a key only "
             "when the label changes. Where regions overlap, the last one counts. Ctrl+Enter "
             "submits.")
"""The hint above the lines. Label Studio 1.23 unselects the label after each region unless
that per-browser setting is on; it cannot be set from a labelling config."""


RUNS_CONFIG = f"""<View>
  <!-- linesift runs layout: press c or b, then drag over lines -->{_RUNS_STYLE}
  <Header value="$title" size="5"/>
  {_run_labels()}
  <View className="linesift-keys">{_text("keys", RUNS_HELP)}</View>
  <View className="linesift-runs">
    <Paragraphs name="{RUNS_OBJECT}" value="$lines" nameKey="head" textKey="text"
                saveTextResult="no"/>
  </View>
</View>
"""


PAGE_CONFIG = f"""<View>
  <!-- linesift page layout: one content/boilerplate choice per non-blank line -->{_STYLE}
  <Header value="$title" size="5"/>
  <Repeater on="$lines" indexFlag="{IDX}">
    <View className="linesift-row">
      <View className="linesift-no">{_text(f"no_{IDX}", f"$lines[{IDX}].line_no")}</View>
      <View className="linesift-conf">{_text(f"conf_{IDX}", f"$lines[{IDX}].conf")}</View>
      <View className="linesift-choice">{_choices(PAGE_CONTROL, PAGE_OBJECT, "single-radio")}</View>
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
    """The labelling config (XML) for `layout`: ``"runs"``, ``"page"`` or ``"line"``."""
    if layout == RUNS_LAYOUT:
        return RUNS_CONFIG
    if layout == PAGE_LAYOUT:
        return PAGE_CONFIG
    if layout == LINE_LAYOUT:
        return LINE_CONFIG
    raise ValueError(f"unknown layout {layout!r}; expected one of {LAYOUTS}")


def detect_layout(config):
    """The linesift layout of a project's labelling config, or None if it is not linesift's.

    A config is linesift's when it has a ``ParagraphLabels`` with exactly the labels ``content``
    and ``boilerplate`` over a ``Paragraphs`` of ``$lines`` (runs layout), or a single-choice
    ``Choices`` with exactly those choices (inside a Repeater over ``$lines`` for the page
    layout), named as :func:`label_config` names them. Styling and extra tags may differ.

    Parameters
    ----------
    config : str
        The project's ``label_config`` XML.

    Returns
    -------
    str or None
        ``"runs"``, ``"page"``, ``"line"`` or None.
    """
    try:
        root = ET.fromstring(config or "")
    except ET.ParseError:
        return None
    if _has_run_labels(root):
        return RUNS_LAYOUT
    for repeater in root.iter("Repeater"):
        if repeater.get("on") == "$lines" and _has_choices(repeater, PAGE_CONTROL, PAGE_OBJECT):
            return PAGE_LAYOUT
    if _has_choices(root, LINE_CONTROL, LINE_OBJECT):
        return LINE_LAYOUT
    return None


def _has_choices(element, name, to_name):
    for choices in element.iter("Choices"):
        if choices.get("name") != name or choices.get("toName") != to_name:
            continue
        values = sorted(choice.get("value") for choice in choices.iter("Choice"))
        if values == sorted(LABELS) and choices.get("choice", "single") in SINGLE_CHOICE:
            return True
    return False


def _has_run_labels(root):
    objects = {p.get("name") for p in root.iter("Paragraphs") if p.get("value") == "$lines"}
    for labels in root.iter("ParagraphLabels"):
        if labels.get("name") != RUNS_CONTROL or labels.get("toName") != RUNS_OBJECT:
            continue
        values = sorted(label.get("value") for label in labels.iter("Label"))
        if RUNS_OBJECT in objects and values == sorted(LABELS) \
                and labels.get("choice", "single") == "single":
            return True
    return False


class NotLinesiftProject(LinesiftError):
    """A project whose labelling config linesift did not make."""


def existing_layout(project):
    """The layout of a project linesift made; NotLinesiftProject for any other project."""
    layout = detect_layout(project.label_config)
    if layout is None:
        raise NotLinesiftProject(
            f"project {project.title!r} (id {project.id}) was not made by linesift: its "
            "labelling config has no content/boilerplate choice per line. Push to a new "
            "project name to create one.")
    return layout
