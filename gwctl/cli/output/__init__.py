"""Renderers, one module per thing printed; they compute nothing."""
