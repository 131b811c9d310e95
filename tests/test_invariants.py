"""Property tests: line splitting and joining, and the filter's alignment with the input's lines
for any text, including empty text, lone CRs and lines longer than the features look at."""

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import linesift
from linesift.features import MAX_FEATURE_CHARS
from linesift.run import FilterOptions, filter_inputs
from linesift.lines import is_blank, join_lines, normalize_newlines, split_lines

lf_text = st.text(alphabet=st.characters(blacklist_characters="\r", blacklist_categories=("Cs",)))
no_newline = st.text(min_size=1, max_size=8).filter(lambda s: "\n" not in s and "\r" not in s)
long_line = st.builds(lambda chunk, extra: (chunk * (MAX_FEATURE_CHARS + extra))[
    : MAX_FEATURE_CHARS + extra], no_newline, st.integers(min_value=1, max_value=3000))
line = st.one_of(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60),
                 st.sampled_from(["", " ", "\t", "\r", "\r\n", "\x00", "\ufeff", "©"]), long_line)
page_text = st.lists(line, max_size=10).map("\n".join)
SLOW = settings(max_examples=30, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def sifter(tiny_model):
    return linesift.load(tiny_model)


@given(st.text())
def test_lines_hold_no_newline_and_rejoin_to_the_text(text):
    lines = split_lines(text)
    assert not any("\n" in x or "\r" in x for x in lines)
    assert join_lines(lines) == normalize_newlines(text)
    assert split_lines(join_lines(lines)) == lines


@given(lf_text)
def test_crlf_and_lone_cr_split_like_lf(text):
    lines = split_lines(text)
    assert split_lines(text.replace("\n", "\r\n")) == lines
    assert split_lines(text.replace("\n", "\r")) == lines
    assert len(lines) == text.count("\n") + 1


def check_aligned(sifted, text, threshold):
    """scores and keep have one entry per original line; the cleaned text is the kept lines."""
    lines = split_lines(text)
    assert len(sifted.scores) == len(sifted.keep) == len(lines)
    for score, keep, original in zip(sifted.scores, sifted.keep, lines):
        assert (score is None) == is_blank(original)
        assert score is None or 0.0 <= score <= 1.0
        assert keep == (score is not None and score >= threshold)
    assert sifted.cleaned == join_lines(x for x, k in zip(lines, sifted.keep) if k)


@SLOW
@given(page_text)
def test_sifted_page_is_aligned_with_its_lines(sifter, text):
    sifted = next(sifter.sift_pages([linesift.Page(id="p", text=text)]))
    check_aligned(sifted, text, sifter.threshold)
    crlf_text = normalize_newlines(text).replace("\n", "\r\n")
    crlf = next(sifter.sift_pages([linesift.Page(id="p", text=crlf_text)]))
    assert (crlf.scores, crlf.keep, crlf.cleaned) == (sifted.scores, sifted.keep, sifted.cleaned)


@SLOW
@given(st.lists(page_text, max_size=4))
def test_filtered_jsonl_records_align_with_their_input_lines(sifter, texts):
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        src.write_text("".join(json.dumps({"id": str(i), "text": t}, ensure_ascii=False) + "\n"
                               for i, t in enumerate(texts)), encoding="utf-8")
        stats = filter_inputs([str(src)], str(out), sifter, FilterOptions(scores=True, jobs=1))
        raw = out.read_text(encoding="utf-8").split("\n")[:-1]  # not splitlines(): U+0085
        records = [json.loads(x) for x in raw]
    assert stats.pages == len(records) == len(texts)
    for record, text in zip(records, texts):
        lines = split_lines(text)
        assert len(record["scores"]) == len(record["keep"]) == len(lines)
        assert record["text"] == join_lines(x for x, k in zip(lines, record["keep"]) if k)
