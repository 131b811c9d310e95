"""Comment-section marks (linesift.columns.comments): what each line is, what came before it."""

import numpy as np

from conftest import get_page
from linesift.columns.comments import (COMMENT_AUTHOR, COMMENT_HEADER, COMMENT_STEMS,
                                       MARK_MAX_CHARS, MENTION_NAMES, NAMES, TIME_OF_DAY,
                                       comment_mentions)
from linesift.columns.comments import comment_columns as _columns
from linesift.columns.tokens import batch_token_hashes
from linesift.features import CommentMarks
from linesift.frame import lines_frame

ARTICLE = "The council voted on Tuesday to extend the tram line to the harbour by 2027."
PAGE = [ARTICLE, "Comments (2)", "Kylie says:", "Great news for the east side.",
        "- JER, ENGLAND, 15/12/2011 16:49", "Report abuse"]


def comment_columns(texts, pages):
    return _columns(texts, pages, *batch_token_hashes(texts))


def test_marks_and_stamps_are_counted_before_each_line_within_its_page():
    texts = PAGE + ["Posted at 09:15", ARTICLE]
    pages = np.array([0] * len(PAGE) + [1, 1])
    mark, stamp, marks_before, window = comment_columns(texts, pages)
    assert mark.tolist() == [0, 1, 1, 0, 0, 0, 0, 0]
    assert stamp.tolist() == [0, 0, 0, 0, 1, 0, 1, 0]
    assert np.expm1(marks_before).round().tolist() == [0, 0, 1, 2, 2, 2, 0, 0]
    # every line of the first page is within 10 lines of its one stamp, of 6 lines
    assert np.allclose(window[:6], 1 / 6) and np.allclose(window[6:], 1 / 2)


def test_prose_and_numbers_that_are_no_time_are_not_marks():
    texts = ["The comments he made at 3.45 pm were a reply to the minister.",
             "Scores: 12:3, 2:1 and 101:99.", "Ratio 1:10000", "x" * 250 + " 16:49",
             "Leave a Reply", "Dodaj komentarz", "Комментарии (12)", "Anonymous said..."]
    mark, stamp, *_ = comment_columns(texts, np.zeros(len(texts), dtype=np.int64))
    assert mark.tolist() == [0, 0, 0, 0, 1, 1, 1, 1]
    assert stamp.tolist() == [0, 0, 0, 0, 0, 0, 0, 0]


def test_the_step_adds_its_columns_and_handles_no_lines():
    frame = lines_frame([get_page("\n".join(PAGE), id="p")])
    out = CommentMarks().fit(frame).transform(frame)
    assert list(out.columns[-len(NAMES):]) == list(NAMES)
    assert out["comment_mark"].sum() == 2
    empty = comment_columns([], np.zeros(0, dtype=np.int64))
    assert len(empty) == len(NAMES) and all(len(c) == 0 for c in empty)


def test_the_word_filter_keeps_every_line_the_expressions_match():
    """Only lines holding one of MARK_WORDS are matched: the result is the plain definition's
    (each expression on every line of at most MARK_MAX_CHARS characters)."""
    words = ["Comments", "(3) responses to", "Leave a Reply", "Anonymous said...",
             "Kylie says:", "Comment #4", "komentarze:", "Комментарии (2)", "评论", "网友", "wrote",
             "Jan", "16:49", "at 4:33 am", "posted", "said the minister", "Reply", "post a",
             "add your comment", "Dodaj komentarz", "Kommentar schreiben", "σχόλια", "12:7"]
    rng = np.random.default_rng(0)
    texts = [" ".join(rng.choice(words, rng.integers(1, 4))) for _ in range(3000)]
    texts += ["x" * MARK_MAX_CHARS + " Comments", "Comments"]
    mark, stamp, *_ = comment_columns(texts, np.zeros(len(texts), dtype=np.int64))
    plain = [len(t) <= MARK_MAX_CHARS and bool(COMMENT_HEADER.search(t) or
                                                COMMENT_AUTHOR.search(t)) for t in texts]
    stamped = [len(t) <= MARK_MAX_CHARS and bool(TIME_OF_DAY.search(t)) for t in texts]
    assert mark.astype(bool).tolist() == plain and 100 < sum(plain) < len(texts) - 100
    assert stamp.astype(bool).tolist() == stamped and 100 < sum(stamped)


def test_mentions_of_comments_in_any_wording_are_counted_before_each_line():
    texts = ["Комментарии: 0", ARTICLE, "ПРАВИЛА КОММЕНТИРОВАНИЯ",
             "Комментарий пользователя будет удален, если он:", "x" * MARK_MAX_CHARS + " comment",
             "Σχόλια", "留言板", "Ajouter un commentaire", ARTICLE]
    pages = np.array([0] * 5 + [1] * 4)
    out = _columns(texts, pages, *batch_token_hashes(texts), mentions=True)
    assert len(out) == len(NAMES) + len(MENTION_NAMES)
    mention, before = out[-2:]
    # the long line mentions comments but is prose; the second page counts from zero
    assert mention.tolist() == [1, 0, 1, 1, 0, 1, 1, 1, 0]
    assert np.expm1(before).round().tolist() == [0, 1, 1, 2, 3, 0, 1, 2, 3]
    # without mentions the columns are the marks' alone, the same values
    plain = _columns(texts, pages, *batch_token_hashes(texts))
    assert len(plain) == len(NAMES)
    assert all(np.array_equal(a, b) for a, b in zip(plain, out))


def test_mentions_search_the_joined_batch_as_each_line_alone_would():
    rng = np.random.default_rng(1)
    parts = ["comment", "Kommentare", "x", "комментарий", "a\nb", "评论", "word", "y" * 120,
             "COMMENTS", "İ", "ΣΧΌΛΙΑ", "Kom", "mentar"]
    texts = ["".join(rng.choice(parts, rng.integers(0, 4))) for _ in range(3000)]
    plain = [float(len(t) <= MARK_MAX_CHARS and any(
        form in t for stem in COMMENT_STEMS for form in (stem, stem.capitalize(), stem.upper())))
        for t in texts]
    assert comment_mentions(texts).tolist() == plain
    assert comment_mentions([]).tolist() == []


def test_the_step_with_mentions_adds_two_columns_and_old_steps_load_without_them():
    frame = lines_frame([get_page("\n".join(PAGE), id="p")])
    step = CommentMarks(mentions=True).fit(frame)
    assert list(step.get_feature_names_out()) == list(NAMES) + list(MENTION_NAMES)
    assert step.transform(frame)["comment_word"].tolist() == [0, 1, 0, 0, 0, 0]
    old = CommentMarks().fit(frame)
    state = old.__getstate__()
    del state["mentions"]  # a step pickled before the parameter existed
    restored = CommentMarks.__new__(CommentMarks)
    restored.__setstate__(state)
    assert restored.mentions is False
    assert list(restored.get_feature_names_out()) == list(NAMES)
