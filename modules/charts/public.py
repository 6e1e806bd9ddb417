"""Public interface of the charts module: what the mentor reads of a person's natal chart."""

from modules.charts.contracts import NatalSummary
from modules.charts.services import natal_summary

__all__ = ["NatalSummary", "natal_summary"]
