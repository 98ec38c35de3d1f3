"""Keys typed into a widget stay in the widget.

JupyterLab runs a notebook's command-mode shortcuts ("m" makes the cell Markdown, ArrowDown selects the next
cell) unless focus is in an element that is ``:read-write`` (a text box). A dropdown, a checkbox or a button is not,
so a student choosing "middle" by typing "m" in a dropdown turned the widget's cell into Markdown. Lumino skips
its shortcuts when the focused element (the one their selector matches) or an element between it and the key's
target is marked ``data-lm-suppress-shortcuts``: this marks every control inside a course widget (CSS class
``ipt-widget``), now and whenever one is drawn again. It also gives course widgets a visible focus ring, makes
their feedback areas (class ``ipt-live``) live regions that screen readers announce, and lets the areas a
widget moves focus to after an action (class ``ipt-focus-target``) take focus.
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
    // Feedback regions are announced by screen readers when they change; focus targets can take focus.
    document.querySelectorAll('.%(cls)s .ipt-live:not([aria-live])').forEach(function (node) {
      node.setAttribute('aria-live', 'polite');
      node.setAttribute('role', 'status');
    });
    // (an HTML widget's focus() focuses its .widget-html-content)
    document.querySelectorAll('.%(cls)s .ipt-focus-target .widget-html-content:not([tabindex])').forEach(function (node) {
      node.setAttribute('tabindex', '-1');
    });
  };
  mark();
  if (!document.getElementById('ipt-widget-style')) {  // a focus ring that a keyboard user can see
    var style = document.createElement('style');
    style.id = 'ipt-widget-style';
    style.textContent = '.%(cls)s button:focus-visible, .%(cls)s select:focus-visible, .%(cls)s input:focus-visible,' +
      ' .%(cls)s textarea:focus-visible, .%(cls)s [tabindex]:focus-visible' +
      ' {outline: 3px solid #1a5fb4 !important; outline-offset: 2px !important}';
    document.head.appendChild(style);
  }
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
