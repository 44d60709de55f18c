"""Chapter 02's gradient-descent explorer: a learning rate and a step budget on the line fit.

`gd_explorer_html` is the pure view (tested without a browser): the loss contours of
the line fit as an inline SVG with the path of gradient descent drawn on them (the iterates as
dots, the start and the minimum marked, iterates outside the box as hollow squares on its
edge), a second SVG with the loss after each step (log scale, the minimum L* dashed, losses
above the panel marked over its top edge), a table of the numbers that decide the regime and a
verdict in two parts: what the learning rate does, and whether the step budget was enough
(`cnnbp_core.explain.sgd.lr_regime` decides both, this module only words them). Every element
carries a ``class`` naming what it shows, every table cell its exact value in ``data-value``,
and each iterate its step in ``data-step``, so tests can read the view back. The contours are
computed once (contourpy, which matplotlib uses) and each learning rate's path once
(`GD_MAX_STEPS` steps, sliced to the budget).

`gd_explorer` wires two controls to it: a slider over `cnnbp_core.explain.sgd.GD_LEARNING_RATES`
and one over the budgets 1 to `GD_MAX_STEPS`, so every reachable state is a valid view.
ipywidgets is imported when the explorer is built.
"""

from __future__ import annotations

import functools
import html
import math

import contourpy
import numpy as np

from ...explain.sgd import (
    ESCAPE_RADIUS,
    GD_BOX,
    GD_EXPLORER_STATE,
    GD_LEARNING_RATES,
    GD_MAX_STEPS,
    GOOD_FRACTION,
    best_rate,
    gd_path,
    line_fit,
    loss_grid,
    lr_regime,
)
from ...validation import in_interval, int_between, positive
from ..plots.graphs import number
from ..plots.sgd import (
    CONTOUR_EXCESS,
    LOSS_LIMITS,
    PATH_COLOR,
    REGIME_COLORS,
    clip_segment,
    contour_levels,
    eigen_axes,
    good_threshold,
)
from ..style import GREEN, GREY, LIGHT_GREY, OUTLINE
from .wiring import wire

CONTROL_DESCRIPTIONS = {"lr": "learning rate", "steps": "steps"}
"""The description (label) of each control of `gd_explorer`, by parameter."""

# the contour panel: a square plot of the (equal-sided) box; the loss panel beside it
_SIDE, _LEFT, _TOP, _BOTTOM = 330, 40, 10, 34
_LW, _LH, _LLEFT, _LRIGHT = 400, 240, 48, 12
LOG_LOSS = tuple(math.log10(v) for v in LOSS_LIMITS)
"""The loss panel's range of log10 L (`cnnbp_core.viz.plots.sgd.LOSS_LIMITS`)."""


def snap_lr(lr) -> float:
    """The learning rate of `GD_LEARNING_RATES` nearest to ``lr`` on a log scale.

    >>> snap_lr(0.1000001), snap_lr(0.23), snap_lr(5.0)
    (0.1, 0.229, 0.3162)
    """
    distance = np.abs(np.log10(GD_LEARNING_RATES) - math.log10(positive(lr, "lr")))
    return float(GD_LEARNING_RATES[int(np.argmin(distance))])


# --- where things are drawn -----------------------------------------------------------------


def contour_point(w, b) -> tuple[float, float]:
    """Where the contour panel draws θ = (w, b), in px (not clipped).

    >>> contour_point(-1.5, 3.0), contour_point(3.5, -2.0)
    ((40.0, 10.0), (370.0, 340.0))
    """
    (w0, w1), (b0, b1) = GD_BOX
    return _LEFT + (w - w0) / (w1 - w0) * _SIDE, _TOP + (b1 - b) / (b1 - b0) * _SIDE


def loss_point(step, loss) -> tuple[float, float]:
    """Where the loss panel draws the loss after ``step`` steps, in px: a loss above its range
    `LOG_LOSS` on its top edge (none is below it: every loss is at least L* > 0.05).

    >>> loss_point(0, 1e3), loss_point(100, 1e9)  # the top of the range, and above it
    ((48.0, 10.0), (388.0, 10.0))
    >>> loss_point(3, 0.0)
    Traceback (most recent call last):
    ValueError: loss must be > 0 and finite; got 0.0
    """
    x = _LLEFT + step / GD_MAX_STEPS * (_LW - _LLEFT - _LRIGHT)
    e = min(math.log10(positive(loss, "loss")), LOG_LOSS[1])
    return x, _TOP + (LOG_LOSS[1] - e) / (LOG_LOSS[1] - LOG_LOSS[0]) * (_LH - _TOP - _BOTTOM)


def _xy(point) -> str:
    return "{:.1f},{:.1f}".format(*point)


def inside(w, b) -> bool:
    """Whether θ = (w, b) lies in the box (edges included).

    >>> inside(0.0, 0.0), inside(4.0, 0.0)
    (True, False)
    """
    (w0, w1), (b0, b1) = GD_BOX
    return w0 <= w <= w1 and b0 <= b <= b1


def _clamp(w, b):
    (w0, w1), (b0, b1) = GD_BOX
    return min(max(w, w0), w1), min(max(b, b0), b1)


# --- the contour panel ----------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def contour_lines() -> tuple:
    """The contours as ``(level, excess, [(n, 2) arrays of (w, b)])``, computed once.

    >>> level, excess, pieces = contour_lines()[0]
    >>> excess, pieces[0].shape[1]
    (0.02, 2)
    """
    grid = loss_grid()
    generator = contourpy.contour_generator(grid.w, grid.b, grid.loss)
    return tuple(
        (float(level), excess, generator.lines(level))
        for level, excess in zip(contour_levels(), CONTOUR_EXCESS)
    )


@functools.lru_cache(maxsize=1)
def _background_svg() -> str:
    """Frame, ticks, contours and eigen-axes: the same for every state (built once)."""
    parts = [
        f'<rect class="frame" x="{_LEFT}" y="{_TOP}" width="{_SIDE}" height="{_SIDE}" '
        f'fill="none" stroke="{LIGHT_GREY}"/>'
    ]
    for level, excess, pieces in contour_lines():
        for piece in pieces:
            points = " ".join(_xy(contour_point(w, b)) for w, b in piece)
            parts.append(
                f'<polyline class="contour" data-level="{level!r}" data-excess="{excess!r}" '
                f'points="{points}" fill="none" stroke="{LIGHT_GREY}" stroke-width="0.8"/>'
            )
    for name, (p, q) in eigen_axes().items():  # clipped to the box, as the path is
        (x1, y1), (x2, y2) = contour_point(*p), contour_point(*q)
        parts.append(
            f'<line class="eigen {name}" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" '
            f'y2="{y2:.1f}" stroke="{GREY}" stroke-width="0.8" stroke-dasharray="4,3"/>'
        )
    parts += _contour_axes()
    x, y = contour_point(*line_fit().minimiser)
    star = " ".join(  # five outer points, five inner ones, alternating
        f"{x + r * math.sin(k * math.pi / 5):.1f},{y - r * math.cos(k * math.pi / 5):.1f}"
        for k, r in zip(range(10), (8.0, 3.3) * 5)
    )
    parts.append(
        f'<polygon class="minimum" points="{star}" fill="{OUTLINE}" stroke="black" '
        'stroke-width="0.8"/>'
    )
    return "".join(parts)


def _contour_axes() -> list:
    """Integer ticks along w (below the box) and b (left of it), and the axis names."""
    (w0, w1), (b0, b1) = GD_BOX
    parts = []
    for v in range(math.ceil(w0), math.floor(w1) + 1):
        x, y = contour_point(v, b0)
        parts.append(
            f'<text class="tick" x="{x:.1f}" y="{y + 14:.1f}" font-size="10" '
            f'text-anchor="middle">{number(v)}</text>'
        )
    for v in range(math.ceil(b0), math.floor(b1) + 1):
        x, y = contour_point(w0, v)
        parts.append(
            f'<text class="tick" x="{x - 5:.1f}" y="{y + 3:.1f}" font-size="10" '
            f'text-anchor="end">{number(v)}</text>'
        )
    parts.append(
        f'<text class="label" x="{_LEFT + _SIDE / 2:.0f}" y="{_TOP + _SIDE + 28}" '
        'font-size="11" text-anchor="middle">w</text>'
        f'<text class="label" x="10" y="{_TOP + _SIDE / 2:.0f}" font-size="11">b</text>'
    )
    return parts


def _path_svg(path) -> str:
    """The path clipped to the box, a dot per iterate inside it, a hollow square on the edge
    for each one outside, and the start."""
    params = path.params
    runs, run = [], []
    for p, q in zip(params[:-1], params[1:]):
        piece = clip_segment(tuple(p), tuple(q))
        if piece is None:
            continue
        a, b = _xy(contour_point(*piece[0])), _xy(contour_point(*piece[1]))
        if run and run[-1] == a:
            run.append(b)
        else:
            if len(run) > 1:
                runs.append(run)
            run = [a, b]
    if len(run) > 1:
        runs.append(run)
    parts = [
        f'<polyline class="path" points="{" ".join(r)}" fill="none" stroke="{PATH_COLOR}" '
        'stroke-width="1.4"/>'
        for r in runs
    ]
    for k, (w, b) in enumerate(params[1:], start=1):
        if inside(w, b):
            x, y = contour_point(w, b)
            parts.append(
                f'<circle class="iterate" data-step="{k}" cx="{x:.1f}" cy="{y:.1f}" r="2.3" '
                f'fill="{PATH_COLOR}"/>'
            )
        else:
            x, y = contour_point(*_clamp(w, b))
            parts.append(
                f'<rect class="outside" data-step="{k}" x="{x - 3:.1f}" y="{y - 3:.1f}" '
                f'width="6" height="6" fill="white" stroke="{PATH_COLOR}" stroke-width="1.2"/>'
            )
    x, y = contour_point(*params[0])
    parts.append(
        f'<circle class="start" cx="{x:.1f}" cy="{y:.1f}" r="5" fill="white" stroke="black" '
        'stroke-width="1.3"/>'
    )
    return "".join(parts)


def _contour_svg(path) -> str:
    width, height = _LEFT + _SIDE + 10, _TOP + _SIDE + _BOTTOM
    body = _background_svg() + _path_svg(path)
    return (
        f'<svg class="contours" width="{width}" height="{height}" '
        f'style="font-family:sans-serif">{body}</svg>'
    )


# --- the loss panel -------------------------------------------------------------------------


def _off_scale_label(x, loss) -> str:
    """The true value of a loss drawn on the top edge, beside it and below the axis name."""
    right = x > (_LLEFT + _LW - _LRIGHT) / 2
    anchor, tx = ("end", x - 7) if right else ("start", x + 7)
    return (
        f'<text class="off-scale-label" data-value="{loss!r}" x="{tx:.1f}" y="{_TOP + 38}" '
        f'font-size="10" text-anchor="{anchor}" stroke="white" stroke-width="3" '
        f'paint-order="stroke">L = {number(loss, 4)}: off scale, above the top</text>'
    )


@functools.lru_cache(maxsize=1)
def _loss_axes_svg() -> str:
    """Frame, ticks, L* and the "good" threshold: the same for every state (built once)."""
    right, bottom = _LW - _LRIGHT, _LH - _BOTTOM
    parts = [
        f'<rect class="frame" x="{_LLEFT}" y="{_TOP}" width="{right - _LLEFT}" '
        f'height="{bottom - _TOP}" fill="none" stroke="{LIGHT_GREY}"/>'
    ]
    for k in range(0, GD_MAX_STEPS + 1, 20):
        x = loss_point(k, 1.0)[0]
        parts.append(
            f'<text class="tick" x="{x:.1f}" y="{bottom + 14}" font-size="10" '
            f'text-anchor="middle">{k}</text>'
        )
    for e in range(math.ceil(LOG_LOSS[0]), math.floor(LOG_LOSS[1]) + 1):
        y = loss_point(0, 10.0**e)[1]
        parts.append(
            f'<text class="tick" x="{_LLEFT - 4}" y="{y + 3:.1f}" font-size="10" '
            f'text-anchor="end">1e{number(e)}</text>'
        )
    for cls, value, colour, dash, text, dy in (
        ("min-loss", line_fit().min_loss, GREY, "5,4", "minimum L*", 11),
        ("good-threshold", good_threshold(), GREEN, "1,3",
         f"L* + {GOOD_FRACTION:.0%} of the start's excess", -3),
    ):  # fmt: skip
        y = loss_point(0, value)[1]
        parts.append(
            f'<line class="{cls}" data-value="{value!r}" x1="{_LLEFT}" y1="{y:.1f}" '
            f'x2="{right}" y2="{y:.1f}" stroke="{colour}" stroke-dasharray="{dash}"/>'
            f'<text class="label" x="{right - 4}" y="{y + dy:.1f}" font-size="9.5" '
            f'text-anchor="end" fill="{colour}">{html.escape(text)}</text>'
        )
    parts.append(
        f'<text class="label" x="{(_LW + _LLEFT) / 2:.0f}" y="{_LH - 6}" font-size="11" '
        'text-anchor="middle">step</text>'
        f'<text class="label" x="{_LLEFT + 6}" y="{_TOP + 13}" font-size="11">'
        "loss L (log scale)</text>"
    )
    return "".join(parts)


def _loss_svg(path, colour) -> str:
    """The loss after each step, as one line up to the first loss above the panel; each loss
    after it is marked by a small triangle pointing up over the top edge, and the last one, when
    off scale, labelled with its value.

    One line suffices: a loss leaves the top only when the rate diverges, and then it rises at
    every step, so none comes back (`LRRegime.rises_from`)."""
    top = 10.0 ** LOG_LOSS[1]
    losses = path.losses.tolist()
    shown = next((k for k, loss in enumerate(losses) if loss > top), len(losses))
    parts = []
    if shown > 1:
        points = " ".join(_xy(loss_point(k, loss)) for k, loss in enumerate(losses[:shown]))
        parts.append(
            f'<polyline class="loss" points="{points}" fill="none" stroke="{colour}" '
            'stroke-width="1.6"/>'
        )
    for k in range(shown, len(losses) - 1):  # the last loss is the dot below
        x, y = loss_point(k, losses[k])  # y: the top edge; the mark points up, above it
        parts.append(
            f'<polygon class="off-scale" data-step="{k}" data-value="{losses[k]!r}" '
            f'points="{x - 2.5:.1f},{y - 2:.1f} {x + 2.5:.1f},{y - 2:.1f} {x:.1f},{y - 8:.1f}" '
            f'fill="{colour}" stroke="none"/>'
        )
    k, loss = len(losses) - 1, losses[-1]
    x, y = loss_point(k, loss)
    cls = "loss-now" if loss <= top else "loss-now off-scale"
    parts.append(
        f'<circle class="{cls}" data-value="{loss!r}" cx="{x:.1f}" cy="{y:.1f}" r="4" '
        f'fill="{colour}" stroke="black" stroke-width="1"/>'
    )
    if loss > top:
        parts.append(_off_scale_label(x, loss))
    width, height = _LW, _LH
    body = _loss_axes_svg() + "".join(parts)
    return (
        f'<svg class="losses" width="{width}" height="{height}" '
        f'style="font-family:sans-serif">{body}</svg>'
    )


# --- the numbers and the verdict ------------------------------------------------------------

TABLE_ROWS = (
    ("lr", "learning rate lr"),
    ("onset", "1/λ_max (overshoot starts)"),
    ("bound", "2/λ_max (divergence starts)"),
    ("optimal", "2/(λ_min + λ_max) (smallest worst-case factor per step: fastest in the long run)"),
    ("flat_factor", "1 − lr·λ_min (flat direction, per step)"),
    ("steep_factor", "1 − lr·λ_max (steep direction, per step)"),
    ("worst_factor", "max |1 − lr·λ| (worst-case factor per step)"),
    ("loss", "loss after the last step"),
    ("min_loss", "minimum L*"),
    ("fraction", "(L − L*) / (L₀ − L*)"),
)
"""The rows of the view's table: the ``data-name`` of each number and its label."""


def _table_html(r, loss) -> str:
    values = {
        "lr": r.lr,
        "onset": r.onset,
        "bound": r.bound,
        "optimal": r.optimal,
        "flat_factor": r.factors[0],
        "steep_factor": r.factors[1],
        "worst_factor": r.worst_factor,
        "loss": loss,
        "min_loss": line_fit().min_loss,
        "fraction": r.fraction,
    }
    cell = "padding:1px 8px;font:13px monospace;text-align:right"
    rows = "".join(
        f'<tr class="{name}"><td class="label" style="padding:1px 8px">{html.escape(label)}</td>'
        f'<td class="value" data-name="{name}" data-value="{values[name]!r}" style="{cell}">'
        f"{number(values[name], 4)}</td></tr>"
        for name, label in TABLE_ROWS
    )
    return f'<table class="numbers" style="border-collapse:collapse;margin:4px 0">{rows}</table>'


_GOOD = f"{GOOD_FRACTION:.0%}"  # the threshold as the verdict words it


def _beside(value, threshold, digits) -> str:
    """``value`` to ``digits`` significant digits, or more when fewer would hide which side of
    ``threshold`` it lies on (1.0004% is not 1%, −1.0002 is not −1)."""
    for d in range(digits, 13):
        text = number(value, d)
        shown = float(text.replace("−", "-"))
        if (shown > threshold) == (value > threshold) and (shown == threshold) == (
            value == threshold
        ):
            break
    return text


def _digits_apart(a, *others) -> int:
    """Significant digits (4 or more) that print ``a`` apart from each of ``others`` it differs
    from (lr = 0.23560 just above 2/λ_max = 0.23558, not 0.2356 > 0.2356)."""
    for d in range(4, 17):
        if all(a == b or number(a, d) != number(b, d) for b in others):
            return d
    return 17


def _percent(fraction) -> str:
    """100·fraction, on the right side of `GOOD_FRACTION`."""
    return f"{_beside(100 * fraction, 100 * GOOD_FRACTION, 3)}%"


def _factor(f) -> str:
    """A factor per step 1 − lr·λ, on the right side of ±1 (0 when rounding left ~1e-16)."""
    return "0" if abs(f) < 1e-12 else _beside(f, math.copysign(1.0, f), 4)


def _share(fraction) -> str:
    """The excess left, as '21.6% of' or '34.7 times' (its value at the start)."""
    return f"{number(fraction, 3)} times" if fraction > 1 else f"{_percent(fraction)} of"


def _steps(k) -> str:
    return f"{k} step{'' if k == 1 else 's'}"


def _rate_part(r) -> str:
    """What the learning rate does, whatever the budget (`LRRegime.rate`), with its numbers."""
    d = _digits_apart(r.lr, r.onset, r.bound)
    lr, onset, bound = number(r.lr, d), number(r.onset, d), number(r.bound, d)
    flat, steep = _factor(r.factors[0]), _factor(r.factors[1])
    if r.rate == "no overshoot":
        return (
            f"No overshoot: lr = {lr} <= 1/λ_max = {onset}, so each step multiplies the offset "
            f"from θ* by 1 − lr·λ_max = {steep} >= 0 along the steepest eigenvector and by "
            f"1 − lr·λ_min = {flat} along the flat one: both components shrink without "
            "changing sign, the iterates converge without overshooting and the loss falls at "
            "every step."
        )
    if r.rate == "diverging":
        grown = (
            f"Within this budget it has: the loss rises at every step from step {r.rises_from} on."
            if r.rises_from is not None
            else "Within this budget it has not started to: the loss has fallen at every step."
        )
        return (
            f"Diverging: lr = {lr} > 2/λ_max = {bound}. Each step multiplies the offset from θ* "
            f"along the steepest eigenvector by 1 − lr·λ_max = {steep}: that component changes "
            f"sign and grows by |{steep}| > 1 a step, while the flat one is multiplied by "
            f"{flat}, so the steep one ends up dominating and the loss must eventually grow "
            "without bound. "
            f"{grown}"
        )
    if math.isclose(abs(r.factors[1]), 1.0, rel_tol=1e-9):  # lr = 2/λ_max: the edge
        return (
            f"Oscillating, not converging: lr = 2/λ_max = {bound}, so each step multiplies the "
            f"offset from θ* along the steepest eigenvector by 1 − lr·λ_max = {steep}: the "
            "iterates change sign each step and keep their distance along it, never reaching "
            f"θ*. The loss falls only as the flat component shrinks (multiplied by {flat} a "
            "step)."
        )
    text = (
        f"Oscillating, converging: 1/λ_max = {onset} < lr = {lr} < 2/λ_max = {bound}. Along the "
        f"steepest eigenvector each step multiplies the offset from θ* by 1 − lr·λ_max = "
        f"{steep} < 0: the iterates overshoot the valley floor and change sign each step, yet "
        f"shrink, since |{steep}| < 1. It is the iterates that oscillate, not the loss: on this "
        "quadratic L − L* = ½ Σ λ_i c_i², c_i the offset's components along the eigenvectors, "
        "and below 2/λ_max every |c_i| shrinks, so the loss falls at every step."
    )
    if math.isclose(r.lr, r.optimal, rel_tol=1e-3):
        text += " " + _optimal_part(r)
    return text


def _optimal_part(r) -> str:
    """2/(λ_min + λ_max): the smallest worst-case factor, and what a short budget changes."""
    best = best_rate(r.steps)
    if math.isclose(best.lr, r.lr, rel_tol=1e-3):
        short = f"after {_steps(r.steps)} none of the explorer's rates does."
    else:
        short = (
            f"after {_steps(r.steps)} lr = {number(best.lr)} leaves {_percent(best.fraction)} "
            f"of the start's excess, this one {_percent(r.fraction)}."
        )
    return (
        "This is 2/(λ_min + λ_max): both components shrink by about the same factor, "
        f"|{_factor(r.factors[0])}| ≈ |{_factor(r.factors[1])}|, so the worst-case factor per "
        f"step, max |1 − lr·λ| = {number(r.worst_factor)}, is the smallest of any rate: the "
        f"fastest in the long run. Over a short budget another rate can leave less: {short}"
    )


def _budget_part(r, full) -> str:
    """Whether the budget was enough (`LRRegime.enough`), and what another budget or rate
    would give; ``full`` is `lr_regime` over `GD_MAX_STEPS` steps of the same rate."""
    k = r.steps if r.escaped_at is None else r.escaped_at - 1
    after = f"after {_steps(k)} the excess loss L − L* is"
    if r.enough:
        return (
            f"Enough steps: {after} {_share(r.fraction)} its value at the start, at most "
            f"{_GOOD} (it got there at step {r.enough_at})."
        )
    text = (
        f"Not enough steps: {after} still {_share(r.fraction)} its value at the start, above "
        f"{_GOOD}."
    )
    if r.escaped_at is not None:
        text += (
            f" Step {r.escaped_at} would land farther than {number(ESCAPE_RADIUS)} from θ*: "
            "the run is stopped there."
        )
    if full.enough_at is not None:
        text += f" At this rate it gets to {_GOOD} at step {full.enough_at}."
    elif r.rate == "diverging" and full.rises_from is not None:
        # the loss is a sum of exponentials in the step: once it rises, it rises for ever
        low = full.rises_from - 1
        if low == 0:
            text += " No number of steps is enough at this rate: the loss rises from the first."
        else:
            lowest = lr_regime(r.lr, low, path=_full_path(r.lr).first(low))
            text += (
                f" No number of steps is enough at this rate: the loss is lowest after step "
                f"{low}, at {_percent(lowest.fraction)} of the start's excess, and rises at "
                "every step after it."
            )
    else:
        text += (
            f" At this rate it stays above {_GOOD} for all {GD_MAX_STEPS} steps the explorer runs."
        )
    if r.rate == "no overshoot":
        text += (
            f" A larger rate, up to 1/λ_max = {number(r.onset)}, leaves less after any number "
            "of steps (both factors are positive and shrink as lr grows)."
        )
    best = best_rate(r.steps)
    if best.fraction <= GOOD_FRACTION:
        text += (
            f" In {_steps(r.steps)}, lr = {number(best.lr)} gets there: it leaves "
            f"{_percent(best.fraction)}."
        )
    elif math.isclose(best.lr, r.lr, rel_tol=1e-3):
        text += (
            f" No rate of the explorer gets to {_GOOD} in {_steps(r.steps)}; this one leaves the "
            "least."
        )
    else:
        text += (
            f" No rate of the explorer gets to {_GOOD} in {_steps(r.steps)}; the closest, "
            f"lr = {number(best.lr)}, leaves {_percent(best.fraction)}."
        )
    return text


def _verdict(r, full) -> str:
    """Two answers, each with its numbers: what the rate does, and whether the budget was
    enough (as HTML: two escaped paragraphs)."""
    return (
        f'<span class="rate" data-rate="{r.rate}" style="display:block">'
        f"{html.escape(_rate_part(r))}</span>"
        f'<span class="budget" data-enough="{str(r.enough).lower()}" '
        f'style="display:block;margin-top:4px">{html.escape(_budget_part(r, full))}</span>'
    )


# --- the view and the explorer --------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _full_path(lr):
    """Gradient descent over the largest budget, once per learning rate."""
    return gd_path(lr, GD_MAX_STEPS)


def gd_explorer_html(lr=GD_EXPLORER_STATE[0], steps=GD_EXPLORER_STATE[1]) -> str:
    """What the gradient-descent explorer shows for one learning rate and step budget.

    Parameters
    ----------
    lr : float
        In the explorer's range [1e-3, 0.3162] (`cnnbp_core.explain.sgd.GD_LEARNING_RATES`).
    steps : int, 1 <= steps <= `GD_MAX_STEPS`

    Returns
    -------
    str
        HTML: the contours with the path (SVG ``class="contours"``), the loss after each step
        (SVG ``class="losses"``; a loss above the panel as a triangle over its top edge,
        ``class="off-scale"``, and the last one, if so, labelled with its value,
        ``class="off-scale-label"``), a verdict in two parts (``class="verdict"``: what the
        learning rate does, ``class="rate"``, and whether the budget was enough,
        ``class="budget"``) and a table of the numbers that decide them (``class="numbers"``,
        each value in ``data-value``). The outer element carries ``data-regime``
        (`LRRegime.kind`), ``data-rate``, ``data-enough``, ``data-lr`` and ``data-steps``.

    Examples
    --------
    >>> view = gd_explorer_html(0.1, 100)
    >>> 'data-rate="no overshoot" data-enough="true"' in view, view.count('class="iterate"')
    (True, 100)
    >>> "Diverging: lr = 0.3162" in gd_explorer_html(0.3162, 100)
    True
    >>> gd_explorer_html(1.0, 10)
    Traceback (most recent call last):
    ValueError: lr (the explorer's range) must lie in [0.001, 0.3162]; got 1.0
    """
    low, high = float(GD_LEARNING_RATES[0]), float(GD_LEARNING_RATES[-1])
    lr = in_interval(positive(lr, "lr"), "lr (the explorer's range)", low, high, closed="both")
    steps = int_between(steps, "steps", 1, GD_MAX_STEPS)
    full = _full_path(lr)
    path = full.first(steps)
    r = lr_regime(lr, steps, path=path)
    colour = REGIME_COLORS[r.kind]
    verdict = _verdict(r, lr_regime(lr, GD_MAX_STEPS, path=full))
    return (
        f'<div class="gd-explorer" data-regime="{r.kind}" data-rate="{r.rate}" '
        f'data-enough="{str(r.enough).lower()}" data-lr="{lr!r}" data-steps="{steps}" '
        f'style="font:14px sans-serif">'
        f'<div class="panels" style="display:flex;gap:12px;align-items:flex-start">'
        f"{_contour_svg(path)}{_loss_svg(path, colour)}</div>{_outside_note(path)}"
        f'<div class="verdict" style="max-width:760px;border-left:4px solid {colour};'
        f'padding-left:8px">{verdict}</div>{_table_html(r, float(path.losses[-1]))}</div>'
    )


def _outside_note(path) -> str:
    """How many iterates lie outside the box (drawn on its edge), or nothing."""
    outside = sum(not inside(w, b) for w, b in path.params)
    if not outside:
        return ""
    verb, each = ("lies", "it is") if outside == 1 else ("lie", "each is")
    return (
        f'<div class="note" data-outside="{outside}">{outside} of the {len(path.params)} '
        f"iterates {verb} outside the box: {each} drawn as a hollow square on its edge.</div>"
    )


def _controls(widgets, lr, steps) -> dict:
    """The two controls, by parameter: every value they can take is a valid state."""
    style = {"description_width": "initial"}
    return {
        "lr": widgets.SelectionSlider(
            options=[(number(v), float(v)) for v in GD_LEARNING_RATES],
            value=snap_lr(lr),
            description=CONTROL_DESCRIPTIONS["lr"],
            style=style,
            continuous_update=True,
            layout=widgets.Layout(width="460px"),
        ),
        "steps": widgets.IntSlider(
            value=int_between(steps, "steps", 1, GD_MAX_STEPS),
            min=1,
            max=GD_MAX_STEPS,
            description=CONTROL_DESCRIPTIONS["steps"],
            style=style,
            continuous_update=True,
            layout=widgets.Layout(width="460px"),
        ),
    }


def gd_explorer(*, lr=GD_EXPLORER_STATE[0], steps=GD_EXPLORER_STATE[1]):
    """A slider for the learning rate and one for the step budget, over `gd_explorer_html`.

    The learning-rate slider offers `cnnbp_core.explain.sgd.GD_LEARNING_RATES` only (1e-3 to
    0.3162, four per decade, plus 0.99/λ_max, 2/(λ_min + λ_max) and the two sides of 2/λ_max),
    the steps slider 1 to `GD_MAX_STEPS`: every reachable state is a valid view. Each control
    has a stable description (`CONTROL_DESCRIPTIONS`): ``"learning rate"``, ``"steps"``.

    Parameters
    ----------
    lr : float
        The starting learning rate (snapped to the grid, `snap_lr`).
    steps : int
        The starting budget.

    Returns
    -------
    ipywidgets.VBox
        Its children: a box of controls and the HTML view.

    Examples
    --------
    >>> explorer = gd_explorer()
    >>> controls = {c.description: c for c in explorer.children[0].children}
    >>> controls["learning rate"].value = 0.2379
    >>> 'data-regime="diverging"' in explorer.children[1].value
    True
    """
    import ipywidgets as widgets  # only the explorers need ipywidgets

    controls = _controls(widgets, lr, steps)
    view = widgets.HTML()

    wire(controls, view, lambda: gd_explorer_html(controls["lr"].value, controls["steps"].value))
    return widgets.VBox([widgets.VBox(list(controls.values())), view])
