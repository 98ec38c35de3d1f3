"""Keys typed into a widget stay in the widget.

JupyterLab runs a notebook's command-mode shortcuts ("m" makes the cell Markdown, ArrowDown selects the next
cell) unless focus is in an element that is ``:read-write`` (a text box). A dropdown, a checkbox or a button is not,
so a student choosing "middle" by typing "m" in a dropdown turned the widget's cell into Markdown. Lumino skips
its shortcuts when the focused element (the one their selector matches) or an element between it and the key's
target is marked ``data-lm-suppress-shortcuts``: this marks every control inside a course widget (CSS class
``ipt-widget``), now and whenever one is drawn again.
"""

from __future__ import annotations

WIDGET_CLASS = "ipt-widget"

_SCRIPT = """
(function () {
  var mark = function () {
    var sel = '.%(cls)s, .%(cls)s select, .%(cls)s button, .%(cls)s input, .%(cls)s textarea, .%(cls)s [tabindex]';
    document.querySelectorAll(sel).forEach(function (node) {
      if (node.hasAttribute('data-lm-suppress-shortcuts')) return;
      node.setAttribute('data-lm-suppress-shortcuts', 'true');
    });
  };
  mark();
  if (!window.__iptKeysObserver) {
    var pending = false;  // at most one pass per frame, however busy the page is
    window.__iptKeysObserver = new MutationObserver(function () {
      if (pending) return;
      pending = true;
      requestAnimationFrame(function () { pending = false; mark(); });
    });
    window.__iptKeysObserver.observe(document.body, {childList: true, subtree: true});
  }
})();
""" % {"cls": WIDGET_CLASS}


def display_with_own_keys(view) -> None:
    """Display ``view`` (an ipywidgets box) so that keys typed into it never reach JupyterLab's shortcuts."""
    from IPython.display import Javascript, display

    view.add_class(WIDGET_CLASS)
    display(view)
    display(Javascript(_SCRIPT))
