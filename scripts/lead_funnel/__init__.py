"""Lead funnel warehouse: demo-data generator, runner and benchmark for the dbt project."""

__version__ = "0.1.0"
