"""The human-readable model card (README.md) written beside every saved model."""

from .labels import DEFAULT_THRESHOLD


def _fmt(value):
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def render_card_readme(card):
    """Markdown model card from a card dict (see :func:`linesift.model.save_model`)."""
    lines = [f"# linesift model `{card.get('name', '?')}`", ""]
    lines.append(card.get("description", "A line classifier: P(content) for each line of a page."))
    lines += ["", "## What it is", "",
              f"- Features: {', '.join(card.get('features', []))}",
              f"- Decision threshold on P(content): {_fmt(card.get('threshold', DEFAULT_THRESHOLD))}",
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
    if cv:
        lines += ["", "## How good it is (cross-validated, grouped by site / page)", "",
                  "| metric | value |", "|---|---|"]
        for key, value in cv.items():
            if not isinstance(value, (dict, list)):
                lines.append(f"| {key} | {_fmt(value)} |")
    per_source = card.get("cv_detail", {}).get("per_source")
    if per_source:
        lines += ["", "Per source (held-out sites, same threshold; sparse sources on their "
                      "labelled lines only):", "",
                  "| source | lines | content P | content R | content F1 |",
                  "|---|---|---|---|---|"]
        for name, m in per_source.items():
            lines.append(f"| {name} | {m['lines']:,} | {_fmt(m['content_precision'])} | "
                         f"{_fmt(m['content_recall'])} | {_fmt(m['content_f1'])} |")
    calibration = card.get("calibration")
    if calibration:
        lines += ["", "## Calibration", "", f"P(content) is mapped by {calibration['method']}.",
                  "Expected calibration error (10 bins) and Brier score of out-of-fold scores; "
                  "the calibrated figures are for a map fitted on the other half of the sites:",
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
