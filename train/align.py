"""Training-table steps that align the shared sources with the settled definition of content.

The settled definition (README *What counts as content*): the main text a reader came
for is content: the article body with its headline and subheadings, the posts of a forum thread,
a recipe's steps, the list items and table rows of the body. Navigation, ads, related lists,
share / subscribe / paywall / cookie prompts, **bylines, datelines, photo captions and credits**,
tag lists, author bios, legal lines and **the comment section under an article** are
boilerplate.

The shared sources label some of these against the definition (``../shared/data/README.md``,
*What "content" means differs between sources*): CleanEval and htmltotext keep blog comments
and bylines as content; htmltotext, CleanEval and a third of dragnet keep dates and captions.
These steps turn such lines into ``None`` (context only) rather than train on them either way;
lines labelled boilerplate are left as they are (they agree with the definition). Each step
takes and returns pages, so they chain before :func:`train.data.training_table`.
"""

import re
from dataclasses import replace

from linesift.columns.comments import COMMENT_AUTHOR, COMMENT_HEADER
from linesift.labels import CONTENT

FORUM_MARKS = ("forum", "topic", "thread", "viewtopic", "showthread", "/t/", "board")
"""A page whose id or URL holds one of these is a forum thread: its posts are content."""

SECTION_REACH = 8
"""A comment header opens a section only when a commenter line follows within this many lines
(a "Comments (3)" link next to the headline is not the section)."""
MIN_SECTION_AUTHORS = 2
"""A comment section needs at least this many commenter headers after its start, or a header
line: a single "X said:" inside an article is a quote, not a comment section."""


def is_forum_page(page):
    """True for forum threads and Q&A pages (their posts are content)."""
    where = f"{page.id} {page.meta.get('url') or ''}".lower()
    return any(mark in where for mark in FORUM_MARKS)


def comment_section_start(page):
    """Line number where the page's comment section starts, or None.

    The section starts at the first comment header ("310 Responses to …", "Comments (9)",
    "Leave a Reply") followed within SECTION_REACH lines by a commenter line ("Name says:"),
    or at a commenter line followed by at least MIN_SECTION_AUTHORS more; in both cases after
    the page's first content-labelled line.
    """
    labels = page.labels or []
    first = next((i for i, label in enumerate(labels) if label == CONTENT), None)
    if first is None:
        return None
    lines = page.lines
    authors = [i for i in range(first + 1, len(lines))
               if len(lines[i]) <= 200 and COMMENT_AUTHOR.search(lines[i])]
    for i in range(first + 1, len(lines)):
        if len(lines[i]) > 200:
            continue
        following = sum(a > i for a in authors)
        if COMMENT_HEADER.search(lines[i]) and any(i < a <= i + SECTION_REACH for a in authors):
            return i
        if i in authors and following >= MIN_SECTION_AUTHORS:
            return i
    return None


def null_comment_sections(pages, sources=None):
    """Pages with the content labels of their comment sections made None (context only).

    Comments under an article are boilerplate by the settled definition, but CleanEval,
    htmltotext and some polish_sparse pages label them content. Forum threads
    (:func:`is_forum_page`) are left alone: their posts are content.

    Parameters
    ----------
    pages : list of Page
    sources : collection of str or None
        Only pages of these sources (``meta["source"]``); None: every page.

    Returns
    -------
    pages : list of Page (new objects where labels changed)
    changed : int, lines made None
    """
    out, changed = [], 0
    for page in pages:
        start = None
        if (sources is None or page.meta.get("source") in sources) and not is_forum_page(page):
            start = comment_section_start(page)
        if start is None:
            out.append(page)
            continue
        labels = list(page.labels)
        for i in range(start, len(labels)):
            if labels[i] == CONTENT:
                labels[i] = None
                changed += 1
        out.append(replace(page, labels=labels))
    return out, changed


MONTHS = (r"jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t|tember)?|"
          r"oct(ober)?|nov(ember)?|dec(ember)?|januar|februar|märz|mai|juni|juli|oktober|"
          r"dezember|janvier|février|mars|avril|juin|juillet|août|septembre|octobre|novembre|"
          r"décembre|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|"
          r"noviembre|diciembre|stycznia|lutego|marca|kwietnia|maja|czerwca|lipca|sierpnia|"
          r"września|października|listopada|grudnia")
DAYS = (r"mon(day)?|tue(s|sday)?|wed(nesday)?|thu(rs|rsday)?|fri(day)?|sat(urday)?|"
        r"sun(day)?|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag")
BYLINE = re.compile(
    r"^\s*(by|posted by|written by|story by|words by|von|par|por|autor(ka)?:?|author:?|"
    r"reporter:?|опубликовано|автор:?)\s+\S", re.IGNORECASE)
DATELINE = re.compile(
    r"^\s*((posted|published|updated|last updated|created|modified|veröffentlicht|"
    r"aktualisiert|publié|mis à jour|publicado|actualizado|opublikowano|aktualizacja)"
    r"\b.{0,60}|"
    rf"(({DAYS}),?\s+)?(\d{{1,2}}(st|nd|rd|th)?\.?\s+({MONTHS})|({MONTHS})\.?\s+\d{{1,2}}"
    rf"(st|nd|rd|th)?)(,?\s+\d{{4}})?(\s*(at|,|-|\|)?\s*\d{{1,2}}[:.]\d{{2}}\s*([ap]\.?m\.?)?"
    rf"(\s*[a-z]{{2,4}})?)?|"
    r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}(\s+\d{1,2}:\d{2}(:\d{2})?)?)\s*$",
    re.IGNORECASE)
CAPTION = re.compile(
    r"(\(|\b)(photo|photograph|image|picture|foto|fot\.|zdjęcie|фото)\s*(:|by|credit|courtesy)"
    r"|(getty images|shutterstock|reuters/|/reuters|\bap photo|afp/|/afp|\bepa\b|istock"
    r"|photo credit|image credit|image source|bildquelle)", re.IGNORECASE)
MAX_META_WORDS = 12
"""A byline, dateline or caption candidate has at most this many words (captions: 40)."""


def meta_line_kind(line):
    """"byline", "dateline", "caption" or None for one line (short lines only)."""
    words = len(line.split())
    if words <= MAX_META_WORDS and BYLINE.search(line):
        return "byline"
    if words <= MAX_META_WORDS and DATELINE.search(line):
        return "dateline"
    if words <= 40 and CAPTION.search(line):
        return "caption"
    return None


def null_meta_lines(pages, sources=None):
    """Pages whose content-labelled bylines, datelines and photo captions / credits are None.

    They are boilerplate by the settled definition; CleanEval and htmltotext mostly label them
    content, dragnet a third of the time. Returns new pages and the number of lines changed.
    """
    out, changed = [], 0
    for page in pages:
        if sources is not None and page.meta.get("source") not in sources:
            out.append(page)
            continue
        labels = list(page.labels)
        hit = False
        for i, label in enumerate(labels):
            if label == CONTENT and meta_line_kind(page.lines[i]):
                labels[i] = None
                changed += 1
                hit = True
        out.append(replace(page, labels=labels) if hit else page)
    return out, changed


def align_with_definition(pages, sources=None):
    """Both steps above, over the pages of `sources` (None: every page).

    Returns new pages and ``{"comment_section_lines": n, "meta_lines": m}``.
    """
    pages, comments = null_comment_sections(pages, sources)
    pages, meta = null_meta_lines(pages, sources)
    return pages, {"comment_section_lines": comments, "meta_lines": meta}
