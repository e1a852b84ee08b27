"""The run summary (terminal, with rich) and the self-contained HTML report (inline SVG)."""
