"""Marks of a comment section: its header, its commenters' lines, the time stamps of its posts.

Comments under an article are boilerplate by the settled definition, but they read like prose,
and on a page filtered alone nothing repeats across the site to give them away: a stage that
sees only nearby lines keeps them. What gives them away is what came before them on the page: a
header ("Comments (2)", "310 Responses to …", "Leave a Reply") or commenters' lines ("Kylie
says:"), and posts stamped with a time of day one after another. Each line is told whether it
is such a mark, how many marks came before it on its page, and how dense the stamps are around
it. Stamps are not counted from the page's start: a news ticker stamped "18:53" above the
article would count against the article itself.
"""

import re
from functools import lru_cache

import numpy as np

from .._kernels import run_bounds, sorted_lookup, sums_before_in_pages, window_means
from .tokens import string_hashes

COMMENT_SECTION_WORDS = (
    r"comments?|responses?|replies|reactions|discussion|"
    r"kommentare?|leserkommentare|commentaires?|comentarios?|comentários?|commenti|"
    r"komentarz[ey]?|komentarzy|komentáře|komentari|reacties|kommentarer|yorumlar|"
    r"комментари[ийя]|комментариев|отзывы|σχόλια|评论|留言|網友回應|评论区")
COMMENT_HEADER = re.compile(
    r"^\s*(\(?\d+\)?\s+)?(" + COMMENT_SECTION_WORDS + r")\s*(\(\d+\)|:|\d+|[|»].*|"
    r"\s(to|on|zu|à|sur|do)\s.{1,80})?\s*:?\s*$"
    r"|^\s*(leave|post|add|write|submit)\s+(a|your)\s+(reply|comment|response)"
    r"|^\s*(dodaj|napisz)\s+komentarz|^\s*(kommentar|kommentare)\s+(schreiben|verfassen)",
    re.IGNORECASE)
"""A comment section's header ("310 Responses to …", "Comments (9)", "Leave a Reply")."""
COMMENT_AUTHOR = re.compile(
    r"^\s*\S.{0,60}\s(says|said|wrote|schrieb|napisał\(a\)|napisała?|пишет|написал[а]?)"
    r"\s*(:|\.\.\.|…)\s*$|^\s*comment\s*#\s*\d+",
    re.IGNORECASE)
"""A commenter's header line ("Sniffnoy Says:", "Anonymous said...", "Comment #1 July 23rd").
"Posted by X at 3:00 AM" is not one: blogs put it under each post of the blog itself."""
COMMENT_MARK = re.compile(COMMENT_HEADER.pattern + "|" + COMMENT_AUTHOR.pattern, re.IGNORECASE)
MARK_WORDS = """comment comments response responses replies reactions discussion kommentar
    kommentare leserkommentare commentaire commentaires comentario comentarios comentário
    comentários commenti komentarz komentarze komentarzy komentáře komentari reacties
    kommentarer yorumlar комментарии комментарий комментария комментариев отзывы σχόλια 评 留
    網 leave post add write submit dodaj napisz says said wrote schrieb napisał napisała пишет
    написал написала"""
"""Every line COMMENT_MARK can match holds one of these tokens: only such lines are matched
(the regular expression on every line would cost a tenth of the filter's time)."""
TIME_OF_DAY = re.compile(r"(?<![\d:])([01]?\d|2[0-3]):[0-5]\d(?![\d:])")
"""A time of day ("16:49", "4:33 am"): what a post's stamp carries and an article's prose
seldom does."""
MARK_MAX_CHARS = 200
"""Longer lines are prose, never a header, a commenter's line or a stamp."""
STAMP_WINDOW = 10
"""Half-width of the window over the stamp lines: a comment section stamps post after post."""

COMMENT_STEMS = ("comment", "коммент", "коментар", "komentar", "komentá", "kommentar",
                 "comentar", "comentá", "σχόλι", "yorum", "reacties", "hozzászól", "评论", "評論",
                 "留言", "コメント", "댓글")
"""Stems of "comment" across languages, matched anywhere in a line: a comment form's labels
("Текст комментария"), its rules ("Комментарий пользователя будет удален…") and a thread's
header all mention comments, whatever their wording."""
MENTION = re.compile("|".join(sorted(
    {re.escape(form) for stem in COMMENT_STEMS
     for form in (stem, stem.capitalize(), stem.upper())}, key=len, reverse=True)))
"""A stem in lower case, capitalised or upper case: the expression runs without IGNORECASE,
which would make it five times slower (it then tries every position of the text)."""

NAMES = ("comment_mark", "time_stamp", "comment_marks_before", f"time_stamp_win{STAMP_WINDOW}")
MENTION_NAMES = ("comment_word", "comment_words_before")
"""With ``mentions``: the line (at most MARK_MAX_CHARS characters) mentions comments, and
log(1 + such lines before it in its page). A news page mentions comments once or twice above
its article ("Comments: 0"); a comment form, its rules and the thread under it mention them
again and again."""


@lru_cache(maxsize=1)
def _mark_words():
    return np.unique(string_hashes(MARK_WORDS.split()))


def comment_columns(texts, pages, hashes, counts, mentions=False):
    """:data:`NAMES` for each line, from the texts, page codes and tokens (``(hashes,
    counts)``): whether the line (at most MARK_MAX_CHARS characters) is a comment header or a
    commenter's line, whether it carries a time of day, log(1 + marks before it in its page),
    and the share of stamped lines within STAMP_WINDOW lines. With `mentions`, then
    :data:`MENTION_NAMES`."""
    n = len(texts)
    mark = np.zeros(n)
    stamp = np.zeros(n)
    if n == 0:
        return [np.zeros(0) for _ in range(len(NAMES) + len(MENTION_NAMES) * bool(mentions))]
    line_of = np.repeat(np.arange(n), counts)
    for i in np.unique(line_of[sorted_lookup(_mark_words(), hashes) >= 0]).tolist():
        text = texts[i]
        mark[i] = len(text) <= MARK_MAX_CHARS and COMMENT_MARK.search(text) is not None
    for i, text in enumerate(texts):
        if ":" in text and len(text) <= MARK_MAX_CHARS and TIME_OF_DAY.search(text):
            stamp[i] = 1.0
    pages = np.asarray(pages)
    bounds = run_bounds(pages)
    out = [mark, stamp, np.log1p(sums_before_in_pages(mark, *bounds)),
           window_means(stamp[:, None], pages, [STAMP_WINDOW])[0][:, 0]]
    if mentions:
        mention = comment_mentions(texts)
        out += [mention, np.log1p(sums_before_in_pages(mention, *bounds))]
    return out


def comment_mentions(texts):
    """1.0 for each line of at most MARK_MAX_CHARS characters holding a stem of COMMENT_STEMS
    (:data:`MENTION`).

    One search over the short lines joined by newlines, not one per line: the stems are rare,
    and the search skips the text between them at C speed. A match's line is the number of
    newlines before it, counted from the previous match on."""
    n = len(texts)
    out = np.zeros(n)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=n)
    short = np.flatnonzero(lengths <= MARK_MAX_CHARS).tolist()
    joined = "\n".join([texts[i] for i in short])
    if joined.count("\n") != max(len(short) - 1, 0):  # a line holding a newline
        joined = "\n".join([texts[i].replace("\n", " ") for i in short])
    lines, line, previous = [], 0, 0
    for match in MENTION.finditer(joined):
        at = match.start()
        line += joined.count("\n", previous, at)
        previous = at
        lines.append(line)
    if lines:
        out[np.asarray(short)[np.unique(lines)]] = 1.0
    return out
