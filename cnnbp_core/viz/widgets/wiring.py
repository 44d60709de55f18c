"""How every explorer connects its controls to its view: one mechanism, written once."""

from __future__ import annotations


def wire(controls, view, render, follow=None) -> None:
    """Redraw ``view`` whenever a control changes, and draw it now.

    Parameters
    ----------
    controls : dict of ipywidgets controls
        Every control the view depends on.
    view : ipywidgets.HTML
        Its ``value`` is set to ``render()``.
    render : callable
        ``render() -> str``, the view's HTML for the controls' current values.
    follow : callable, optional
        ``follow()`` adjusts the controls' ranges to each other before a redraw. The values it
        clamps trigger no redraw of their own: the view is drawn once, after it.

    Examples
    --------
    >>> import ipywidgets as widgets
    >>> a, view = widgets.IntSlider(value=1), widgets.HTML()
    >>> wire({"a": a}, view, lambda: f"a = {a.value}")
    >>> a.value = 3
    >>> view.value
    'a = 3'
    """
    busy = [False]  # set while follow() runs, so the values it clamps do not redraw

    def on_change(_change=None):
        if busy[0]:
            return
        if follow is not None:
            busy[0] = True
            try:
                follow()
            finally:
                busy[0] = False
        view.value = render()

    for control in controls.values():
        control.observe(on_change, names="value")
    on_change()
