"""Alerts in: monitoring posts its alerts to opsbot, which pages whoever is on standby.

- `terms.py`: a notification as opsbot reads it, whatever sent it.
- `payloads.py` (with `payload_reading.py` and `grafana.py`): Alertmanager's, Grafana's and
  the generic webhook bodies read into terms; Grafana's HMAC signature.
- `tokens.py`: each source's secret URL. `inbox.py`: notifications stored before the 2xx.
- `routing.py`: which roster a group pages, whether it pages, whether it declares.
- `models.py`, `service.py`, `episodes.py`, `storms.py`, `heartbeats.py`: alert groups,
  their episodes (fired, then resolved) and their alerts, storms, missing heartbeats.
- `deliveries.py`, `render.py`, `renderers.py`: what they owe Slack, and how it looks.
- `silences.py`: the Silence buttons' client of Alertmanager's v2 API.
"""
