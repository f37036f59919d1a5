"""Evidence queried live from Log Analytics workspaces through azure-monitor-query."""

from netlogs.sources.log_analytics.source import STEPS, LogAnalyticsSource, Progress, RetrySettings

__all__ = ["STEPS", "LogAnalyticsSource", "Progress", "RetrySettings"]
