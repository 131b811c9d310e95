"""The filtering run: one job that reads pages, scores them through the Sifter on a backend
(this process, a local pool, a Dask cluster), writes records and counts what it did."""

from .backends import ENGINES, default_jobs, plan_jobs
from .job import (FilterOptions, FilterStats, filter_inputs, plan_outputs,
                  refuse_overwriting_inputs, sifted_to_record)
from .sitecount import count_input_site_lines

__all__ = ["ENGINES", "FilterOptions", "FilterStats", "count_input_site_lines", "default_jobs",
           "filter_inputs", "plan_jobs", "plan_outputs", "refuse_overwriting_inputs",
           "sifted_to_record"]
