"""Paging whoever is on standby for an incident, up the roster's escalation levels, until
someone acknowledges."""
