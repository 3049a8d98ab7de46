"""Pure pieces of the dashboard (``svodka web``): text highlighting and SVG charts, no I/O."""
