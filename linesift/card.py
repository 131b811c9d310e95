"""The human-readable model card (README.md) written beside every saved model."""

from .labels import DEFAULT_THRESHOLD


def model_version(card):
    """``name@sha256-prefix`` of a model's card (or of the ``base`` entry of one): what
    predictions are stamped with and figures are labelled by."""
    return f"{card.get('name', 'model')}@{(card.get('sha256') or '')[:12]}"


def _fmt(value):
    return f"{value:.3f}" if isinstance(value, float) else str(value)


SPLIT_SENTENCES = {
    "site": "Cross-validated by site: every site's pages are held out together, so the figures "
            "are for sites the model has not seen.",
    "page": "Cross-validated by page: each page is held out from the others of its site, so "
            "the figures are for new pages of the sites trained on, not for other sites.",
    "site, own pages by page": "Cross-validated by site for the shared sets and by page for "
                               "your own pages: the figures for your pages are for new pages "
                               "of your sites.",
}
"""What the cross-validated figures mean, for each way the lines were held out."""


def _held_out_unit(card):
    """What the folds held out, in words: sites, pages, or both."""
    return {"site": "sites", "page": "pages"}.get(card.get("cv_grouping"),
                                                  "groups (sites, and your pages by page)")


def _adaptation_section(card):
    """The decision of ``train --base`` and its figures, against the base model's on the same
    folds."""
    adaptation = card["adaptation"]
    detail = card.get("cv_detail", {})
    decision = detail.get("adaptation", {})
    base = card.get("base", {})
    out = ["", "## How it was decided", "", adaptation.get("message", ""), ""]
    model, against = card.get("cv", {}), detail.get("base_on_same_lines") or {}
    if model and against:
        pages = decision.get("pages", "?")
        out += [f"Cross-validated by page over the {pages} labelled pages: each page is held "
                f"out in turn and scored with a memory of the other labelled pages only, so "
                f"the figures are for new pages of the sites labelled, not for other sites. "
                f"They rest on {decision.get('content_lines', '?')} content lines; the "
                f"choice among the candidates below was made on the same folds, so the "
                f"chosen model's figure is slightly optimistic.", "",
                f"| | this model | base `{base.get('name')}` |", "|---|---|---|",
                f"| content F1 (lines pooled) | {_fmt(model.get('content_f1'))} | "
                f"{_fmt(against.get('content_f1'))} |",
                f"| content F1 (mean over pages) | {_fmt(model.get('page_avg_content_f1'))} | "
                f"{_fmt(against.get('page_avg_content_f1'))} |",
                f"| content precision | {_fmt(model.get('content_precision'))} | "
                f"{_fmt(against.get('content_precision'))} |",
                f"| content recall | {_fmt(model.get('content_recall'))} | "
                f"{_fmt(against.get('content_recall'))} |"]
        per_page = detail.get("per_page", {})
        if per_page:
            out += ["", "Content F1 of each page held out (none: no content line, none kept):",
                    "", "| page | this model | base |", "|---|---|---|"]
            out += [f"| {k} | {_fmt(a)} | {_fmt(b)} |" for k, (a, b) in enumerate(
                zip(per_page.get("model", []), per_page.get("base", [])), 1)]
        boot = decision.get("bootstrap")
        if boot:
            out += ["", f"Over {boot['rounds']} resamples of the pages, the best adapter's "
                        f"page-mean content F1 minus the base's lies between {boot['low']:+.3f} "
                        f"and {boot['high']:+.3f} (5th to 95th percentile) and is above 0 in "
                        f"{boot['share_better']:.0%} of them."]
        sites = decision.get("sites", {})
        if len(sites) > 1:
            out += ["", "The correction applies on a site only where that site's pages held "
                        "out show the gain; other sites get the base model's verdicts:", "",
                    "| site | labelled pages | base | adapted | better in | applied |",
                    "|---|---|---|---|---|---|"]
            out += [f"| {name} | {m['pages']} | {_fmt(m['base_content_f1'])} | "
                    f"{_fmt(m['adapted_content_f1'])} | {m['share_better']:.0%} | "
                    f"{'yes' if m['adapted'] else 'no'} |" for name, m in sites.items()]
        candidates = decision.get("candidates", {})
        if candidates:
            out += ["", "| candidate | page-mean content F1, held out |", "|---|---|"]
            out += [f"| {name} | {_fmt(value)} |" for name, value in candidates.items()]
    elif decision:
        out += [f"No cross-validated figure: {decision.get('pages', 0)} labelled page(s)."]
    memory = card.get("memory")
    if memory:
        out += ["", f"Site memory: {memory['pages']} labelled pages of "
                    f"{len(memory.get('sites', {}))} site(s) ({', '.join(s or 'pages without a site' for s in memory['sites'])})."]
    return out


def render_card_readme(card):
    """Markdown model card from a card dict (see :func:`linesift.model.save_model`)."""
    lines = [f"# linesift model `{card.get('name', '?')}`", ""]
    lines.append(card.get("description", "A line classifier: P(content) for each line of a page."))
    lines += ["", "## What it is", "",
              f"- Features: {', '.join(card.get('features', []))}",
              f"- Decision threshold on P(content): {_fmt(card.get('threshold', DEFAULT_THRESHOLD))}"
              + (f"; {_fmt(card['threshold_alone'])} on a page scored alone (its site counted "
                 "on fewer than two pages)" if card.get("threshold_alone") is not None else ""),
              f"- Trained in {card.get('training_seconds', '?')} s on "
              f"{card.get('data', {}).get('pages', '?')} pages",
              f"- Versions: {', '.join(f'{k} {v}' for k, v in card.get('versions', {}).items())}",
              f"- sha256 of model file: `{card.get('sha256', '?')}`"]
    data = card.get("data", {})
    if data:
        lines += ["", "## Data it saw", ""]
        lines.append(f"- Fingerprint: `{data.get('fingerprint', '?')}`")
        lines.append(f"- Label counts: {data.get('label_counts', {})}")
        for source in data.get("sources", []):
            lines.append(f"- {source}")
        if data.get("licences"):
            lines.append(f"- Licences: {data['licences']}")
    cv = card.get("cv", {})
    if card.get("adaptation"):
        lines += _adaptation_section(card)
    elif cv:
        lines += ["", "## How good it is", "", SPLIT_SENTENCES.get(
                      card.get("cv_grouping"), "Cross-validated."), "",
                  "| metric | value |", "|---|---|"]
        for key, value in cv.items():
            if not isinstance(value, (dict, list)):
                lines.append(f"| {key} | {_fmt(value)} |")
    per_source = card.get("cv_detail", {}).get("per_source")
    if per_source:
        lines += ["", "Per source (each held out as the `split` column says, same thresholds; "
                      "sparse sources on their labelled lines only):", "",
                  "| source | split | lines | content P | content R | content F1 |",
                  "|---|---|---|---|---|---|"]
        for name, m in per_source.items():
            lines.append(f"| {name} | by {m.get('split', '?')} | {m['lines']:,} | "
                         f"{_fmt(m['content_precision'])} | "
                         f"{_fmt(m['content_recall'])} | {_fmt(m['content_f1'])} |")
    calibration = card.get("calibration")
    if calibration and not card.get("base"):
        lines += ["", "## Calibration", "", f"P(content) is mapped by {calibration['method']}.",
                  "Expected calibration error (10 bins) and Brier score of out-of-fold scores; "
                  "the calibrated figures are for a map fitted on the other half of the "
                  f"{_held_out_unit(card)}:",
                  "", "| | raw | calibrated |", "|---|---|---|",
                  f"| ECE | {_fmt(calibration.get('ece_raw'))} | "
                  f"{_fmt(calibration.get('ece_calibrated_held_out', '-'))} |",
                  f"| Brier | {_fmt(calibration.get('brier_raw'))} | "
                  f"{_fmt(calibration.get('brier_calibrated_held_out', '-'))} |"]
    if card.get("unlabelled_trailing_prose_lines"):
        lines += ["", f"{card['unlabelled_trailing_prose_lines']:,} prose lines labelled "
                      "boilerplate after an article (mostly user comments, whose label the "
                      "sources disagree on) were used as context only, not fitted on."]
    aligned = card.get("definition_alignment")
    if aligned and any(aligned.values()):
        lines += ["", f"Aligned with linesift's definition of content: "
                      f"{aligned.get('comment_section_lines', 0):,} lines of comment sections "
                      f"and {aligned.get('meta_lines', 0):,} bylines, datelines and captions "
                      "that a source labelled content were used as context only."]
    if card.get("glued_lines_removed"):
        lines += ["", "Some runs of adjacent boilerplate lines were glued into single lines "
                      f"in training ({card['glued_lines_removed']:,} lines fewer), as naive "
                      "scrapers write them."]
    lines.append("")
    return "\n".join(lines)
