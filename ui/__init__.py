"""The web chat for Corridor Assistant (Gradio). Importing `ui` is cheap: gradio loads on first use.

>>> from ui import build_app, launch                                  # doctest: +SKIP
"""

from ui.app import ServeOptions, build_app, launch, respond, serve

__all__ = ["ServeOptions", "build_app", "launch", "respond", "serve"]
