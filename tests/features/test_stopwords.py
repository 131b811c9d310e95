"""StopwordDensity: each page's stoplist chosen by its own words, in any language."""

from frames import FRAME
from linesift.features import StopwordDensity


def test_stopword_density_picks_each_page_language():
    out = StopwordDensity().fit(FRAME).transform(FRAME).set_index("text")
    prose = ["Le ministre a affirmé que Moscou serait prêt.",
             "Minister powiedział, że rząd jest gotowy do rozmów.",
             "Ο υπουργός δήλωσε ότι η κυβέρνηση είναι έτοιμη;",
             "这是一篇关于经济的文章。它讨论了市场的发展。"]
    for line in prose:
        assert out.loc[line, "stopword_density"] > 0.15, line
    assert out.loc["Accueil | Actualités | Sport", "stopword_density"] == 0.0


def test_stopword_density_leaves_the_tokens_for_later_steps():
    from linesift.columns.tokens import batch_token_hashes, from_column

    out = StopwordDensity().fit(FRAME).transform(FRAME)
    hashes, counts = from_column(out["tokens"])
    expected = batch_token_hashes(FRAME["text"].tolist())
    assert hashes.tolist() == expected[0].tolist() and counts.tolist() == expected[1].tolist()
