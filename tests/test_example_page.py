"""The page the project started from, cleaned by the shipped default model.

``examples/doingbuzz-fr.txt`` (a copy of ``../shared/examples/doingbuzz-fr.txt``) is never a
training page, nor is any copy of it: it checks that the model learned glued ad slots and
calls to action in general (synthetic glued lines, cue-word concepts), not this page.
"""

from pathlib import Path

import pytest

import linesift

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "doingbuzz-fr.txt"

AD_LINE = "En savoir plus - Publicité 2 Publicité 2 En savoir plus"
"""Start of the first line: ad slots glued into one line by the scraper."""
TAIL = ("Rejoignez DOINGBUZZ PREMIUM",
        "Découvrez un monde de contenus exclusifs et d'opportunités.",
        "Accédez Maintenant",
        "Lancez-vous dans une nouvelle aventure avec DoingBuzz",
        "Découvrez une multitude d'offres d'emploi et de bourses d'études adaptées à votre "
        "parcours.",
        "doingbuzz DIRECT",
        "Mots-clés associés à l'article :",
        "Newsletter",
        "Abonnez-vous et accédez à tous nos articles en premier !")
"""The premium, newsletter and "DIRECT" prompts after the article, and the keyword line."""


@pytest.fixture(scope="module")
def sifted():
    return next(linesift.load().sift_pages([linesift.Page(id="doingbuzz-fr",
                                                          text=EXAMPLE.read_text("utf-8"))]))


def _kept(sifted):
    return {line for line, keep in zip(sifted.page.lines, sifted.keep) if keep}


def test_the_glued_ad_line_and_the_tail_prompts_are_dropped(sifted):
    kept = _kept(sifted)
    assert sifted.page.lines[0].startswith(AD_LINE)
    assert sifted.page.lines[0] not in kept
    assert all(line in sifted.page.lines for line in TAIL)
    assert not kept & set(TAIL)


def test_the_headline_and_every_article_paragraph_are_kept(sifted):
    lines = sifted.page.lines
    start = lines.index("Dernière minute : Poutine favorable à une rencontre avec Biden")
    end = lines.index(TAIL[0])
    article = [line for line in lines[start:end] if line.strip()]
    assert len(article) == 8  # the headline and seven paragraphs
    assert set(article) <= _kept(sifted)
    assert linesift.load().clean(EXAMPLE.read_text("utf-8")).splitlines()[0] == article[0]
