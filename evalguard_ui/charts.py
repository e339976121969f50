"""The UI's Altair charts: forest plot, like-for-like band, confusion matrix, strata, counts.

Colours come from one place, the Streamlit theme in .streamlit/config.toml
(`chartCategoricalColors`: the Okabe-Ito palette, safe for the common colour-vision
deficiencies); charts here never name a scheme of their own, so every page and st.bar_chart
share it. PALETTE mirrors the file for the few marks that need one fixed colour, and a test
keeps the two equal.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

# Okabe & Ito (2008), "Color Universal Design": black last, as a categorical range.
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)
BAR_COLOUR = PALETTE[5]  # vermillion: the bar reads as a limit, distinct from the blue points

# Whole-number ticks for counts: a run of 7 cases never shows "2.5 cases".
COUNT_AXIS = alt.Axis(tickMinStep=1, format="d")

_ROW_PX = 22

# What the builders return: `.properties` on a layer is typed as a layer or a facet.
Spec = alt.Chart | alt.LayerChart | alt.FacetChart


def count_axis(title: str = "cases") -> alt.Y:
    """A y encoding of `count` with whole-number ticks."""
    return alt.Y("count:Q", title=title, axis=COUNT_AXIS)


def score_histogram(bins: list[dict[str, Any]], title: str, height: int = 220) -> alt.Chart:
    """Binned score counts (bin_start, bin_end, count) with whole-number count ticks."""
    return (
        alt.Chart(pd.DataFrame(bins))
        .mark_bar()
        .encode(
            x=alt.X("bin_start:Q", bin="binned", title=title),
            x2="bin_end:Q",
            y=count_axis(),
            tooltip=[
                alt.Tooltip("bin_start:Q", title="from", format=".3g"),
                alt.Tooltip("bin_end:Q", title="to", format=".3g"),
                alt.Tooltip("count:Q", title="cases"),
            ],
        )
        .properties(height=height)
    )


def label_counts(counts: dict[str, int], title: str, height: int = 180) -> alt.Chart:
    """Cases per label as bars with whole-number count ticks."""
    frame = pd.DataFrame({"label": [str(k) for k in counts], "count": list(counts.values())})
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("label:N", title=title, sort=None),
            y=count_axis(),
            tooltip=["label", alt.Tooltip("count:Q", title="cases")],
        )
        .properties(height=height)
    )


def _interval_layers(
    data: pd.DataFrame,
    y: str,
    sort: list[str],
    colour: str,
    x_title: str,
    domain: list[float],
    legend: bool = True,
    offset: bool = False,
) -> list[alt.Chart]:
    """A rule from ci_low to ci_high and a point at the value, one row per `y`."""
    scale = alt.Scale(domain=domain)
    y_enc = alt.Y(f"{y}:N", sort=sort, title=None, axis=alt.Axis(labelLimit=220))
    colour_enc = alt.Color(
        f"{colour}:N",
        sort=list(dict.fromkeys(data[colour])),
        title=None,
        legend=alt.Legend(orient="bottom") if legend else None,
    )
    tooltip = [
        alt.Tooltip(f"{y}:N"),
        alt.Tooltip("value:Q", format=".3f"),
        alt.Tooltip("ci_low:Q", title="95% CI low", format=".3f"),
        alt.Tooltip("ci_high:Q", title="95% CI high", format=".3f"),
    ]
    # Several series on one row (a stratum's accuracy and kappa) sit side by side, not on top.
    extra: dict[str, Any] = {"yOffset": alt.YOffset(f"{colour}:N")} if offset else {}
    base = alt.Chart(data)
    rule = base.mark_rule(strokeWidth=2).encode(
        **extra,
        y=y_enc,
        x=alt.X("ci_low:Q", scale=scale, title=x_title),
        x2="ci_high:Q",
        color=colour_enc,
        tooltip=tooltip,
    )
    point = base.mark_point(filled=True, size=70, opacity=1).encode(
        **extra,
        y=y_enc,
        x=alt.X("value:Q", scale=scale, title=x_title),
        color=colour_enc,
        tooltip=tooltip,
    )
    return [rule, point]


def _domain(values: list[float | None]) -> list[float]:
    """An x domain covering every value, always including 0 to 1 (agreement scales)."""
    seen = [v for v in values if v is not None]
    return [min([0.0, *seen]), max([1.0, *seen])]


def forest(rows: list[dict[str, Any]], bar: float, metric: str) -> Spec:
    """Every metric as a point with its 95% interval; the verdict metric first, with the bar."""
    frame = pd.DataFrame(rows)
    frame["role"] = ["gated metric" if v else "other metrics" for v in frame["verdict"]]
    frame = frame.sort_values("verdict", ascending=False, kind="stable")
    order = list(frame["metric"])
    domain = _domain([*frame["ci_low"], *frame["ci_high"], *frame["value"], bar])
    title = "value with its 95% interval"
    layers = _interval_layers(frame, "metric", order, "role", title, domain)
    bar_mark = (
        alt.Chart(pd.DataFrame([{"metric": metric, "bar": bar}]))
        .mark_tick(color=BAR_COLOUR, thickness=3)
        .encode(
            x=alt.X("bar:Q", scale=alt.Scale(domain=domain), title=title),
            y=alt.Y("metric:N", sort=order, title=None),
            tooltip=[alt.Tooltip("bar:Q", title=f"your bar for {metric}")],
        )
    )
    # A step height: the Streamlit theme squeezes a nominal axis given a fixed height.
    return alt.layer(*layers, bar_mark).properties(height=alt.Step(_ROW_PX))


def human_band(rows: list[dict[str, Any]], bar: float) -> Spec:
    """Judge vs each human beside human vs human; the raters' interval shaded, the bar dashed."""
    frame = pd.DataFrame(rows)
    domain = _domain([*frame["ci_low"], *frame["ci_high"], *frame["value"], bar])
    title = f"{rows[0]['metric']} with its 95% interval"
    layers: list[alt.Chart] = []
    humans = frame[frame["comparison"] == "human vs human"]
    if not humans.empty and humans["ci_low"].notna().all():
        layers.append(
            alt.Chart(humans)
            .mark_rect(opacity=0.18, color=PALETTE[2])
            .encode(
                x=alt.X("ci_low:Q", scale=alt.Scale(domain=domain), title=title), x2="ci_high:Q"
            )
        )
    order = list(frame["comparison"])
    layers += _interval_layers(
        frame, "comparison", order, "comparison", title, domain, legend=False
    )
    layers.append(
        alt.Chart(pd.DataFrame([{"bar": bar}]))
        .mark_rule(color=BAR_COLOUR, strokeDash=[5, 3], strokeWidth=2)
        .encode(
            x=alt.X("bar:Q", scale=alt.Scale(domain=domain), title=title),
            tooltip=[alt.Tooltip("bar:Q", title="your bar")],
        )
    )
    return alt.layer(*layers).properties(height=alt.Step(36))


def confusion(cells: list[dict[str, Any]], labels: list[str]) -> Spec:
    """A square confusion matrix: counts and row percentages, shaded by the row share."""
    frame = pd.DataFrame(cells)
    step = max(45, min(90, 300 // max(1, len(labels))))
    x = alt.X("judge:N", sort=labels, title="judge", axis=alt.Axis(labelAngle=0, orient="top"))
    y = alt.Y("human:N", sort=labels, title="human reference")
    heat = (
        alt.Chart(frame)
        .mark_rect()
        .encode(
            x=x,
            y=y,
            # Light shades only, so the black counts stay readable on every cell.
            color=alt.Color(
                "row_share:Q",
                title="share of the human row",
                scale=alt.Scale(domain=[0, 1], range=["#f7fbff", "#6baed6"]),
                legend=alt.Legend(format="%", orient="bottom"),
            ),
            tooltip=[
                "human",
                "judge",
                "count",
                alt.Tooltip("row_share:Q", title="share of row", format=".1%"),
            ],
        )
    )
    text = (
        alt.Chart(frame)
        .mark_text(lineBreak="\n", fontSize=14, color="black")
        .encode(x=x, y=y, text="text:N")
    )
    return alt.layer(heat, text).properties(width=alt.Step(step), height=alt.Step(step))


def strata(rows: list[dict[str, Any]]) -> Spec:
    """Per-stratum results as points with their intervals (one row per stratum and metric)."""
    frame = pd.DataFrame(rows)
    frame["label"] = [f"{s} (n = {n})" for s, n in zip(frame["stratum"], frame["n"], strict=True)]
    domain = _domain([*frame["ci_low"], *frame["ci_high"], *frame["value"]])
    order = list(dict.fromkeys(frame["label"]))
    layers = _interval_layers(
        frame, "label", order, "metric", "value with its 95% interval", domain, offset=True
    )
    # With an offset the step is per series inside a stratum's row.
    return alt.layer(*layers).properties(height=alt.Step(18))
