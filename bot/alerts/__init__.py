"""Alerts in: monitoring posts its alerts to opsbot, which pages whoever is on standby.

- `terms.py`: a notification as opsbot reads it, whatever sent it.
- `payloads.py`: Alertmanager's, Grafana's and the generic webhook bodies, read into terms.
- `routing.py`: which roster a group pages, whether it pages, whether it declares.
- `models.py`, `service.py`: alert groups, their episodes and their Slack message.
"""
