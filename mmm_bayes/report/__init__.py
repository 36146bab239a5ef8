"""Reporting: figures written from analysis results."""
