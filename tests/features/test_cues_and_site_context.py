"""SiteContext (site repetition neutral on one-page sites) and CueWords (cue-word concepts in
many languages): the estimator contract and what each column says."""

import io

import joblib
import numpy as np
import pytest
from sklearn.base import clone

from linesift.features import CueWords, SiteContext, StopwordDensity
from linesift.features.site import count_site_lines, with_site_columns
from linesift.frame import lines_frame
from linesift.pages import Page


def _page(text, domain=None, labels=None, id_="p"):
    return Page(id_, text, meta={"domain": domain} if domain else {}, labels=labels)


def _site_frame(pages):
    frame = lines_frame(pages)
    return with_site_columns(frame, pages, count_site_lines(pages))


SITE = [_page("Home\nNews\nArticle one, a sentence.\nFooter", "x.com", id_="a"),
        _page("Home\nNews\nArticle two, another one.\nFooter", "x.com", id_="b"),
        _page("Home\nSolo page text.", "y.com", id_="c"),
        _page("Home\nNo domain here.", id_="d")]


@pytest.mark.parametrize("step", [SiteContext(), CueWords()])
def test_contract(step):
    frame = _site_frame(SITE) if isinstance(step, SiteContext) else \
        StopwordDensity().fit_transform(lines_frame(SITE))
    fitted = clone(step).fit(frame)
    out = fitted.transform(frame)
    names = list(fitted.get_feature_names_out())
    assert all(np.isfinite(out[names].to_numpy()).all(axis=0))
    buf = io.BytesIO()
    joblib.dump(fitted, buf)
    buf.seek(0)
    again = joblib.load(buf).transform(frame)
    assert np.array_equal(out[names].to_numpy(), again[names].to_numpy())
    assert list(clone(step).fit(frame).fit(frame).get_feature_names_out()) == names


def test_site_context_is_neutral_for_one_page_sites():
    out = SiteContext().fit_transform(_site_frame(SITE))
    names = list(SiteContext().fit(_site_frame(SITE)).get_feature_names_out())
    single = out["page"].isin([2, 3])
    assert (out.loc[single, names].to_numpy() == 0).all()
    repeated = out[(out["page"] == 0) & (out["text"] == "Home")]
    assert repeated["site_other_share"].iloc[0] == 1.0


def test_cue_words_find_calls_to_action_in_french():
    frame = StopwordDensity().fit_transform(lines_frame([_page(
        "Abonnez-vous à la newsletter\nLe ministre a affirmé que Moscou serait prêt.")]))
    out = CueWords().fit_transform(frame)
    assert out["cue_first"].tolist() == [1.0, 0.0]
    assert out["cue_subscribe"].iloc[0] > 0


def test_cue_words_share_a_concept_across_languages():
    frame = StopwordDensity().fit_transform(lines_frame([_page(
        "Rejoignez DOINGBUZZ PREMIUM\nJoin our premium club\nСкачайте наше приложение")]))
    out = CueWords().fit_transform(frame)
    assert (out["cue_cta"] > 0).all()
    assert out["cue_promo"].iloc[0] > 0 and out["cue_promo"].iloc[1] > 0
    assert out["cue_first"].tolist() == [1.0, 1.0, 1.0]
    assert CueWords().fit_transform(StopwordDensity().fit_transform(lines_frame([_page(
        "Le ministre a affirmé que Moscou serait prêt.")])))["cue_token_share"].iloc[0] == 0


def test_site_context_windows_see_repeated_blocks():
    out = SiteContext(windows=(1,)).fit_transform(_site_frame(SITE))
    first = out[out["page"] == 0]
    # "Home", "News" on both pages of x.com; the article line on one page only
    assert first["site_other_share"].tolist() == [1.0, 1.0, 0.0, 1.0]
    assert first["site_page_template_share"].iloc[0] == 0.75
    assert first["site_win1_other_share"].iloc[2] == pytest.approx(2 / 3, abs=1e-3)
